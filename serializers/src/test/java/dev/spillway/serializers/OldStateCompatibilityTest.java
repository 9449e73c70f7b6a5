package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isCompatibleAfterMigration;
import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isCompatibleAsIs;
import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isCompatibleWithReconfiguredSerializer;
import static org.apache.flink.api.common.typeutils.TypeSerializerConditions.isIncompatible;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Restores state written by an earlier registration set, kept as committed bytes (see {@link
 * OldStateResourceGenerator}), under each kind of change a user can make to the registrations.
 */
class OldStateCompatibilityTest {

    @Test
    void theCommittedBytesAreStillWhatV1Writes() throws IOException {
        // Reading alone could hide a format drift that happens to read back; the bytes must match.
        assertThat(OldStateResourceGenerator.data()).isEqualTo(resource(OldStateResourceGenerator.DATA_FILE));
        assertThat(OldStateResourceGenerator.snapshot())
                .isEqualTo(resource(OldStateResourceGenerator.SNAPSHOT_FILE));
    }

    @Test
    void theRestoredSerializerReadsTheOldState() throws IOException {
        TypeSerializerSnapshot<Person> old = oldSnapshot();
        assertThat(((RegisteredKryoSerializerSnapshot<Person>) old).getRegistrations())
                .isEqualTo(TestRegistrations.V1);
        assertThat(readOldData(old.restoreSerializer())).isEqualTo(OldStateResourceGenerator.records());
    }

    @Test
    void addingAClassUnderAFreeIdIsCompatibleAsIs() throws IOException {
        RegisteredKryoSerializer<Person> current =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT);
        TypeSerializerSchemaCompatibility<Person> compatibility = resolveAgainstOld(current);
        assertThat(compatibility).is(isCompatibleAsIs());
        assertThat(readOldData(current)).isEqualTo(OldStateResourceGenerator.records());
    }

    @Test
    void movedIdsGiveAReconfiguredSerializerThatReadsWithTheOldIds() throws IOException {
        KryoRegistrations renumbered =
                KryoRegistrations.builder()
                        .register(Person.class, 100)
                        .register(Address.class, 11) // now where Person was
                        .register(ArrayList.class, 10)
                        .register(Employee.class, 12)
                        .build();
        RegisteredKryoSerializer<Person> current = new RegisteredKryoSerializer<>(Person.class, renumbered);
        TypeSerializerSchemaCompatibility<Person> compatibility = resolveAgainstOld(current);

        assertThat(compatibility).is(isCompatibleWithReconfiguredSerializer());
        RegisteredKryoSerializer<Person> reconfigured =
                (RegisteredKryoSerializer<Person>) compatibility.getReconfiguredSerializer();
        // Old classes keep their old ids; Employee's 12 was ArrayList's, so it moves above them.
        assertThat(reconfigured.getRegistrations().registrations())
                .extracting(KryoRegistration::toString)
                .containsExactly(
                        "10=" + Person.class.getName(),
                        "11=" + Address.class.getName(),
                        "12=java.util.ArrayList",
                        "13=" + Employee.class.getName());
        assertThat(readOldData(reconfigured)).isEqualTo(OldStateResourceGenerator.records());
        assertThatThrownBy(() -> readOldData(current))
                .as("the renumbered serializer alone misreads the old ids")
                .isInstanceOf(IOException.class);
    }

    @Test
    void aRemovedClassMakesTheStateIncompatibleAndTheReasonNamesIt() throws IOException {
        KryoRegistrations withoutAddress =
                KryoRegistrations.builder()
                        .register(Person.class, 10)
                        .register(ArrayList.class, 12)
                        .build();
        assertThat(resolveAgainstOld(new RegisteredKryoSerializer<>(Person.class, withoutAddress)))
                .is(isIncompatible());
        RegistrationCompatibility verdict =
                RegistrationCompatibility.resolve(
                        Person.class.getName(), TestRegistrations.V1, Person.class.getName(), withoutAddress);
        assertThat(verdict.reason())
                .contains(Address.class.getName() + " (id 11) was registered when the state was written")
                .contains(".register(Address.class, 11)");
    }

    @Test
    void aChangedKryoSerializerNeedsMigrationWithTheOldSerializerReading() throws IOException {
        KryoRegistrations addressAsText =
                KryoRegistrations.builder()
                        .register(Person.class, 10)
                        .register(Address.class, 11, AddressAsText.class)
                        .register(ArrayList.class, 12)
                        .build();
        assertThat(resolveAgainstOld(new RegisteredKryoSerializer<>(Person.class, addressAsText)))
                .is(isCompatibleAfterMigration());
        assertThat(
                        RegistrationCompatibility.resolve(
                                        Person.class.getName(),
                                        TestRegistrations.V1,
                                        Person.class.getName(),
                                        addressAsText)
                                .reason())
                .contains("the Kryo serializer of " + Address.class.getName())
                .contains("from Kryo's default to " + AddressAsText.class.getName());
    }

    private static TypeSerializerSchemaCompatibility<Person> resolveAgainstOld(
            RegisteredKryoSerializer<Person> current) throws IOException {
        return current.snapshotConfiguration().resolveSchemaCompatibility(oldSnapshot());
    }

    static TypeSerializerSnapshot<Person> oldSnapshot() throws IOException {
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(resource(OldStateResourceGenerator.SNAPSHOT_FILE)),
                OldStateCompatibilityTest.class.getClassLoader());
    }

    private static List<Person> readOldData(TypeSerializer<Person> serializer) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(resource(OldStateResourceGenerator.DATA_FILE));
        int count = in.readInt();
        List<Person> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(serializer.deserialize(in));
        }
        assertThat(in.available()).isZero();
        return records;
    }

    private static byte[] resource(String file) throws IOException {
        String path = OldStateResourceGenerator.DIRECTORY + file;
        try (InputStream in = OldStateCompatibilityTest.class.getClassLoader().getResourceAsStream(path)) {
            assertThat(in).as("test resource %s", path).isNotNull();
            return in.readAllBytes();
        }
    }
}
