package dev.spillway.serializers;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The same work as {@link PersonSerializationBenchmark}, timed in thread CPU time rather than wall
 * time: on a shared machine, other processes stretch wall time but barely touch the CPU time this
 * thread consumed, so the ratios between codecs stay readable. Complements JMH; does not replace
 * it. Prints the median of {@code ROUNDS} rounds of 1,000,000 records after warming up.
 */
public final class PersonCpuTime {

    private static final int ROUNDS = 7;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PersonCpuTime() {}

    public static void main(String[] args) throws IOException {
        BenchPerson[] people = PersonCodec.people(PersonSerializationBenchmark.POOL, false);
        System.out.printf("%-18s %14s %14s%n", "codec", "ser CPU ns/rec", "deser CPU ns/rec");
        for (PersonCodec codec : PersonCodec.values()) {
            PersonCodec.Codec instance = codec.create();
            DataOutputSerializer all = new DataOutputSerializer(people.length * 64);
            for (BenchPerson person : people) {
                instance.write(person, all);
            }
            byte[] pool = all.getCopyOfBuffer();
            long[] ser = new long[ROUNDS];
            long[] deser = new long[ROUNDS];
            for (int warmup = 0; warmup < 3; warmup++) {
                serialize(instance, people);
                deserialize(instance, pool);
            }
            for (int round = 0; round < ROUNDS; round++) {
                ser[round] = serialize(instance, people);
                deser[round] = deserialize(instance, pool);
            }
            System.out.printf("%-18s %14.1f %14.1f%n", codec, median(ser), median(deser));
        }
    }

    private static long serialize(PersonCodec.Codec codec, BenchPerson[] people) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        long sink = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < PersonSerializationBenchmark.RECORDS; i++) {
            out.clear();
            codec.write(people[i & (PersonSerializationBenchmark.POOL - 1)], out);
            sink += out.length();
        }
        long elapsed = THREADS.getCurrentThreadCpuTime() - start;
        return sink == 0 ? -1 : elapsed;
    }

    private static long deserialize(PersonCodec.Codec codec, byte[] pool) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer();
        long sink = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < PersonSerializationBenchmark.RECORDS; i++) {
            if ((i & (PersonSerializationBenchmark.POOL - 1)) == 0) {
                in.setBuffer(pool, 0, pool.length);
            }
            sink += codec.read(in).age;
        }
        long elapsed = THREADS.getCurrentThreadCpuTime() - start;
        return sink == 0 ? -1 : elapsed;
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / (double) PersonSerializationBenchmark.RECORDS;
    }
}
