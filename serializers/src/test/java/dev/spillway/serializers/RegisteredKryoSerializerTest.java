package dev.spillway.serializers;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.List;

/** Flink's conformance suite for the registered Kryo serializer. */
class RegisteredKryoSerializerTest extends SerializerTestBase<Person> {

    @Override
    protected TypeSerializer<Person> createSerializer() {
        return new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT);
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Person> getTypeClass() {
        return Person.class;
    }

    @Override
    protected Person[] getTestData() {
        return new Person[] {
            new Person("Ada", 36, "London", new Address("St James's Square 12", 10001), List.of("math")),
            new Person("", 0, "", null, List.of()),
            new Person(null, -1, null, null, null),
            new Person("Zoë Ünïcødé ✓ \uD83D\uDE00", Integer.MAX_VALUE, "Zürich", null, List.of("a", "b")),
            new Person("x".repeat(10_000), Integer.MIN_VALUE, "Long", new Address("", 0), null),
            new Employee("Grace", 85, "Arlington", 42L),
        };
    }
}
