package dev.spillway.backend.store;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A yardstick for {@link SpillableStoreBenchmark} measured in the same run on the same machine:
 * the same keys and values in an on-heap {@code HashMap}, the structure at the bottom of Flink's
 * heap backend. {@code get} returns the stored array without copying it, {@code put} stores a fresh
 * copy as a heap backend's copy-on-write map would; there is no eviction and no disk. The ratio of
 * the two benchmarks is the store's cost over heap for serialized point access.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeapMapBaselineBenchmark {

    private static final int SAMPLES = 1 << 20;

    @Param({"65536"})
    public int keyCount;

    @Param({"uniform", "zipfian"})
    public String distribution;

    private final HashMap<ByteBuffer, byte[]> map = new HashMap<>();
    private ByteBuffer[] keys;
    private int[] sequence;
    private int next;
    private final byte[] value = new byte[100];

    @Setup(Level.Trial)
    public void fill() {
        Random random = new Random(1);
        keys = new ByteBuffer[keyCount];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = ByteBuffer.wrap(SpillableStoreBenchmark.TestKey.valueStateKey(i % 128, i));
            map.put(keys[i], value.clone());
        }
        sequence =
                "zipfian".equals(distribution)
                        ? KeySequences.zipfian(keyCount, SAMPLES, random)
                        : KeySequences.uniform(keyCount, SAMPLES, random);
    }

    @Benchmark
    public byte[] get() {
        return map.get(keys[sequence[next++ & (SAMPLES - 1)]]);
    }

    @Benchmark
    public void put() {
        value[0]++;
        map.put(keys[sequence[next++ & (SAMPLES - 1)]], value.clone());
    }
}
