package dev.spillway.serializers;

import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Writes the binary test resource {@code registrations-v1/}: a serializer snapshot and records, as
 * written with the registration set {@link TestRegistrations#V1}. {@link OldStateCompatibilityTest}
 * reads them, so a change that can no longer read state written by an earlier version fails the
 * build.
 *
 * <p>Run once, from the repository root, and commit the two files; never regenerate them to make
 * a failing test pass (that would hide exactly the break they exist to catch):
 *
 * <pre>
 * mvn -B -o -q -pl serializers test-compile
 * java -cp "serializers/target/test-classes:serializers/target/classes:$(mvn -B -o -q -pl serializers \
 *     dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" \
 *     dev.spillway.serializers.OldStateResourceGenerator serializers/src/test/resources
 * </pre>
 */
public final class OldStateResourceGenerator {

    static final String DIRECTORY = "dev/spillway/serializers/registrations-v1/";
    static final String SNAPSHOT_FILE = "serializer-snapshot";
    static final String DATA_FILE = "test-data";

    private OldStateResourceGenerator() {}

    /** The records in the resource, in order. */
    static List<Person> records() {
        return List.of(
                new Person("Ada", 36, "London", new Address("St James's Square 12", 10001), List.of("math")),
                new Person("Grace", 85, "Arlington", null, List.of()),
                new Person(null, -1, null, null, null),
                new Person("Zoë", 29, "Zürich", new Address("Bahnhofstrasse 1", 8001), List.of("a", "b", "c")));
    }

    /** The records as {@code V1} writes them: an int count, then each record. */
    static byte[] data() throws IOException {
        RegisteredKryoSerializer<Person> serializer =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.V1);
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(records().size());
        for (Person person : records()) {
            serializer.serialize(person, out);
        }
        return out.getCopyOfBuffer();
    }

    static byte[] snapshot() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(
                out, new RegisteredKryoSerializer<>(Person.class, TestRegistrations.V1).snapshotConfiguration());
        return out.getCopyOfBuffer();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("Usage: OldStateResourceGenerator <test resources directory>");
        }
        Path directory = Paths.get(args[0]).resolve(DIRECTORY);
        Files.createDirectories(directory);
        Files.write(directory.resolve(SNAPSHOT_FILE), snapshot());
        Files.write(directory.resolve(DATA_FILE), data());
        System.out.println("Wrote " + directory.toAbsolutePath());
    }
}
