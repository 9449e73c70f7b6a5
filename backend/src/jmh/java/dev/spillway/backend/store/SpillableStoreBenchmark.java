package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Point reads and writes of a {@link SpillableStore} with the working set at half the memory
 * budget (everything stays in memory) and at ten times the budget (most of it on disk), with
 * uniform and Zipfian (θ = 0.99) key popularity. Keys are composite ValueState keys; values are
 * 100 random bytes (different for every key and every write, so that run blocks compress like
 * real data rather than like one repeated value).
 *
 * <p>At tear-down each trial prints the write amplification of the store: bytes written to run
 * files (spills and compactions) per byte of keys and values put during the trial.
 *
 * <pre>
 * java -jar backend/target/backend-benchmarks.jar SpillableStoreBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpillableStoreBenchmark {

    private static final long BUDGET = 16L << 20;
    private static final int VALUE_BYTES = 100;
    /** Bytes a ValueState entry occupies in pages: record header, 15-byte key, value. */
    private static final int ENTRY_BYTES = 13 + 15 + VALUE_BYTES;

    private static final int SAMPLES = 1 << 20;

    @Param({"0.5", "10"})
    public double workingSetPerBudget;

    @Param({"uniform", "zipfian"})
    public String distribution;

    private Path spillParent;
    private UnifiedMemoryManager manager;
    private MemoryClient client;
    private SpillableStore store;

    private byte[][] keys;
    private int[] sequence;
    private int next;
    /** Random bytes that values are cut from, so that run blocks compress like real data. */
    private final byte[] values = new byte[1 << 20];
    private long userBytesPut;
    private long diskBytesAtStart;

    @Setup(Level.Trial)
    public void open() throws IOException {
        spillParent = Files.createTempDirectory("spillway-bench");
        manager = new UnifiedMemoryManager(BUDGET);
        client = manager.newClient("bench");
        store = SpillableStore.open(client, StoreSettings.defaults(spillParent), "bench");
        int keyCount = (int) (workingSetPerBudget * BUDGET / ENTRY_BYTES);
        keys = new byte[keyCount][];
        Random random = new Random(1);
        random.nextBytes(values);
        for (int i = 0; i < keyCount; i++) {
            keys[i] = TestKey.valueStateKey(i % 128, i);
            store.put(keys[i], keys[i].length, values, valueOffset(i), VALUE_BYTES);
        }
        sequence =
                "zipfian".equals(distribution)
                        ? KeySequences.zipfian(keyCount, SAMPLES, random)
                        : KeySequences.uniform(keyCount, SAMPLES, random);
        userBytesPut = 0;
        diskBytesAtStart = store.bytesWrittenToDisk();
    }

    @Benchmark
    public byte[] get() throws IOException {
        byte[] key = keys[sequence[next++ & (SAMPLES - 1)]];
        return store.get(key, key.length);
    }

    @Benchmark
    public void put() throws IOException {
        int sample = next++;
        byte[] key = keys[sequence[sample & (SAMPLES - 1)]];
        store.put(key, key.length, values, valueOffset(sample), VALUE_BYTES);
        userBytesPut += key.length + VALUE_BYTES;
    }

    private int valueOffset(int i) {
        return (int) (((i * 0x9E3779B1L) & 0xFFFFFFFFL) % (values.length - VALUE_BYTES));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        System.out.printf(
                "%nstore (%s, working set %.1fx budget): %d of %d keys in memory, %d MB in memory,"
                        + " %d runs (%d MB), %d promotions, block cache %d hits / %d misses%n",
                distribution,
                workingSetPerBudget,
                store.entriesInMemory(),
                keys.length,
                store.bytesInMemory() >> 20,
                store.runCount(),
                store.bytesOnDisk() >> 20,
                store.promotions(),
                store.blockCacheHits(),
                store.blockCacheMisses());
        if (userBytesPut > 0) {
            System.out.printf(
                    "%nwrite amplification (%s, working set %.1fx budget): %.2f bytes to disk per"
                            + " user byte (%d MB put, %d MB written, %d spills, %d compactions,"
                            + " %d promotions)%n",
                    distribution,
                    workingSetPerBudget,
                    (double) (store.bytesWrittenToDisk() - diskBytesAtStart) / userBytesPut,
                    userBytesPut >> 20,
                    (store.bytesWrittenToDisk() - diskBytesAtStart) >> 20,
                    store.spills(),
                    store.compactions(),
                    store.promotions());
        }
        store.close();
        client.close();
        manager.close();
        Files.deleteIfExists(spillParent);
    }

    /** Composite ValueState keys: [key group][state 1][varint 4][int key][varint 4][namespace 0]. */
    static final class TestKey {
        static byte[] valueStateKey(int keyGroup, int key) {
            byte[] bytes = new byte[CompositeKey.STATE_PREFIX_BYTES + 1 + 4 + 1 + 4];
            CompositeKey.writeStatePrefix(bytes, keyGroup, 1);
            int offset = CompositeKey.writeVarInt(bytes, CompositeKey.STATE_PREFIX_BYTES, 4);
            bytes[offset++] = (byte) (key >>> 24);
            bytes[offset++] = (byte) (key >>> 16);
            bytes[offset++] = (byte) (key >>> 8);
            bytes[offset++] = (byte) key;
            CompositeKey.writeVarInt(bytes, offset, 4);
            return bytes;
        }
    }
}
