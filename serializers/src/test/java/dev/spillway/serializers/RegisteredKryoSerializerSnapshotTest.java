package dev.spillway.serializers;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isCompatibleAsIs;
import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isIncompatible;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Snapshot round trips, and restores where classes are missing or the snapshot is damaged. */
class RegisteredKryoSerializerSnapshotTest {

    private static final String GONE = "dev.spillway.serializers.RemovedLongAgo";

    @Test
    void aSnapshotReadsBackAsTheSameConfiguration() throws IOException {
        RegisteredKryoSerializer<Person> serializer =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT);
        TypeSerializerSnapshot<Person> read = roundTrip(serializer.snapshotConfiguration());
        assertThat(read.restoreSerializer()).isEqualTo(serializer);
        assertThat(serializer.snapshotConfiguration().resolveSchemaCompatibility(read)).is(isCompatibleAsIs());
    }

    @Test
    void aMissingClassDoesNotBreakTheRestoreUntilARecordNeedsIt() throws IOException {
        // Written when a subclass of Person, since deleted from the code base, had id 14.
        KryoRegistrations writtenWith =
                KryoRegistrations.builder()
                        .register(Person.class, 10)
                        .register(Address.class, 11)
                        .register(ArrayList.class, 12)
                        .register(Employee.class, 14)
                        .build();
        byte[] snapshot =
                snapshotBytes(
                        Person.class.getName(),
                        new Object[][] {
                            {10, Person.class.getName()},
                            {11, Address.class.getName()},
                            {12, "java.util.ArrayList"},
                            {14, GONE}
                        });
        TypeSerializerSnapshot<Person> old = readSnapshot(snapshot);
        TypeSerializer<Person> restored = old.restoreSerializer();

        Person person = new Person("Ada", 36, "London", new Address("Square", 1), List.of("x"));
        assertThat(restored.deserialize(input(writtenWith, person))).isEqualTo(person);
        Person ofTheDeletedClass = new Employee("Grace", 85, "Arlington", 7L);
        assertThatThrownBy(() -> restored.deserialize(input(writtenWith, ofTheDeletedClass)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(GONE + " (id 14)")
                .hasMessageContaining("not on the classpath");

        TypeSerializerSchemaCompatibility<Person> compatibility =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.V1)
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(old);
        assertThat(compatibility).is(isIncompatible());
        assertThat(
                        RegistrationCompatibility.resolve(
                                        Person.class.getName(),
                                        ((RegisteredKryoSerializerSnapshot<Person>) old).getRegistrations(),
                                        Person.class.getName(),
                                        TestRegistrations.V1)
                                .reason())
                .contains(GONE + " (id 14) was registered when the state was written");
    }

    @Test
    void aMissingRecordTypeFailsTheRestoreWithItsName() throws IOException {
        TypeSerializerSnapshot<Person> old = readSnapshot(snapshotBytes(GONE, new Object[][] {{10, GONE}}));
        assertThatThrownBy(old::restoreSerializer)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("written for type " + GONE)
                .hasMessageContaining("not on the classpath");
    }

    @Test
    void aDifferentRecordTypeIsIncompatible() throws IOException {
        TypeSerializerSnapshot<Person> addressState =
                cast(roundTrip(new RegisteredKryoSerializer<>(Address.class, TestRegistrations.CURRENT).snapshotConfiguration()));
        TypeSerializerSnapshot<Person> current =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT).snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(addressState)).is(isIncompatible());
        assertThat(
                        RegistrationCompatibility.resolve(
                                        Address.class.getName(),
                                        TestRegistrations.CURRENT,
                                        Person.class.getName(),
                                        TestRegistrations.CURRENT)
                                .reason())
                .contains("the state holds " + Address.class.getName());
    }

    @Test
    void stateWrittenByAnotherSerializerIsIncompatible() {
        TypeSerializerSnapshot<Person> current =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT).snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(cast(LongSerializer.INSTANCE.snapshotConfiguration())))
                .is(isIncompatible());
    }

    @Test
    void switchingReferenceTrackingNeedsMigration() {
        KryoRegistrations tracking =
                KryoRegistrations.builder().register(Person.class, 10).trackReferences(true).build();
        KryoRegistrations plain = KryoRegistrations.builder().register(Person.class, 10).build();
        RegistrationCompatibility verdict =
                RegistrationCompatibility.resolve(Person.class.getName(), plain, Person.class.getName(), tracking);
        assertThat(verdict.outcome()).isEqualTo(RegistrationCompatibility.Outcome.COMPATIBLE_AFTER_MIGRATION);
        assertThat(verdict.reason()).contains("reference tracking was switched on");
    }

    @Test
    void damagedSnapshotsFailWithIOException() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(Person.class.getName());
        out.writeBoolean(false);
        out.writeInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> new RegisteredKryoSerializerSnapshot<Person>()
                        .readSnapshot(1, new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("2147483647 registrations");

        byte[] duplicateIds = snapshotBody(Person.class.getName(), new Object[][] {{10, "a.A"}, {10, "b.B"}});
        assertThatThrownBy(() -> new RegisteredKryoSerializerSnapshot<Person>()
                        .readSnapshot(1, new DataInputDeserializer(duplicateIds), getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("id 10 of b.B is out of range or used twice");

        assertThatThrownBy(() -> new RegisteredKryoSerializerSnapshot<Person>()
                        .readSnapshot(2, new DataInputDeserializer(duplicateIds), getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Unknown version 2");
    }

    private static DataInputDeserializer input(KryoRegistrations registrations, Person person) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        new RegisteredKryoSerializer<>(Person.class, registrations).serialize(person, out);
        return new DataInputDeserializer(out.getCopyOfBuffer());
    }

    /** A versioned snapshot as Flink stores it, for registrations given as {id, class name}. */
    private static byte[] snapshotBytes(String typeName, Object[][] registrations) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeUTF(RegisteredKryoSerializerSnapshot.class.getName());
        out.writeInt(1);
        out.write(snapshotBody(typeName, registrations));
        return out.getCopyOfBuffer();
    }

    private static byte[] snapshotBody(String typeName, Object[][] registrations) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeUTF(typeName);
        out.writeBoolean(false);
        out.writeInt(registrations.length);
        for (Object[] registration : registrations) {
            out.writeInt((Integer) registration[0]);
            out.writeUTF((String) registration[1]);
            out.writeBoolean(false);
        }
        return out.getCopyOfBuffer();
    }

    private TypeSerializerSnapshot<Person> readSnapshot(byte[] bytes) throws IOException {
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(bytes), getClass().getClassLoader());
    }

    private <T> TypeSerializerSnapshot<T> roundTrip(TypeSerializerSnapshot<T> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
    }

    @SuppressWarnings("unchecked")
    private static <T> TypeSerializerSnapshot<T> cast(TypeSerializerSnapshot<?> snapshot) {
        return (TypeSerializerSnapshot<T>) snapshot;
    }
}
