package dev.spillway.serializers;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * 1,000,000 {@link BenchPerson} records per invocation through each {@link PersonCodec}, one
 * record at a time as a state backend does; the score is nanoseconds per record. People cycle
 * through a pool of 65,536 objects (pre-serialized for the read benchmark), which keeps the heap
 * small; see {@link PersonCodec#people} for the data.
 *
 * <pre>
 * mvn -B -o -q -pl serializers -Pbenchmarks package -DskipTests
 * java -jar serializers/target/serializers-benchmarks.jar PersonSerializationBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * java -cp serializers/target/serializers-benchmarks.jar dev.spillway.serializers.PersonBytesPerRecord
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PersonSerializationBenchmark {

    static final int RECORDS = 1_000_000;
    static final int POOL = 1 << 16;

    @Param({"JAVA", "KRYO_UNREGISTERED", "POJO", "SPILLWAY_KRYO"})
    public PersonCodec codec;

    private PersonCodec.Codec instance;
    private BenchPerson[] people;
    private final DataOutputSerializer out = new DataOutputSerializer(1024);
    private byte[] pool;
    private int[] offsets;
    private final DataInputDeserializer in = new DataInputDeserializer();

    @Setup
    public void setUp() throws IOException {
        instance = codec.create();
        people = PersonCodec.people(POOL, false);
        DataOutputSerializer all = new DataOutputSerializer(POOL * 64);
        offsets = new int[POOL + 1];
        for (int i = 0; i < POOL; i++) {
            offsets[i] = all.length();
            instance.write(people[i], all);
        }
        offsets[POOL] = all.length();
        pool = all.getCopyOfBuffer();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void serialize(Blackhole blackhole) throws IOException {
        for (int i = 0; i < RECORDS; i++) {
            out.clear();
            instance.write(people[i & (POOL - 1)], out);
            blackhole.consume(out.length());
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void deserialize(Blackhole blackhole) throws IOException {
        for (int i = 0; i < RECORDS; i++) {
            int index = i & (POOL - 1);
            if (index == 0) {
                in.setBuffer(pool, 0, pool.length);
            }
            blackhole.consume(instance.read(in));
        }
    }
}
