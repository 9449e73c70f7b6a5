package dev.spillway.serializers;

import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;

/**
 * Prints the average serialized size of the benchmark's people for each codec, without the
 * benchmark's own framing (the length the Java variant needs to find record boundaries).
 */
public final class PersonBytesPerRecord {

    private PersonBytesPerRecord() {}

    public static void main(String[] args) throws IOException {
        BenchPerson[] classic = PersonCodec.people(PersonSerializationBenchmark.POOL, false);
        BenchPerson[] longNames = PersonCodec.people(PersonSerializationBenchmark.POOL, true);
        System.out.printf("%-18s %22s %22s%n", "codec", "bytes/record (bench)", "bytes/record (long)");
        for (PersonCodec codec : PersonCodec.values()) {
            System.out.printf(
                    "%-18s %22.1f %22.1f%n", codec, bytesPerRecord(codec, classic), bytesPerRecord(codec, longNames));
        }
    }

    private static double bytesPerRecord(PersonCodec codec, BenchPerson[] people) throws IOException {
        PersonCodec.Codec instance = codec.create();
        DataOutputSerializer out = new DataOutputSerializer(people.length * 64);
        for (BenchPerson person : people) {
            instance.write(person, out);
        }
        return (double) out.length() / people.length - instance.framingBytes();
    }
}
