package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.UnifiedMemoryManager;

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
import java.util.concurrent.TimeUnit;

/**
 * The cost of the snapshot mechanism for a memtable of {@code entries} ValueState entries (100-byte
 * values, all in memory): the synchronous part the task thread pays ({@link #takeAndRelease}: pin
 * every record, one pass over the index) and the asynchronous part a snapshot thread pays
 * ({@link #takeAndScan}: sort the pinned records and read them all).
 *
 * <pre>
 * java -jar backend/target/backend-benchmarks.jar SnapshotBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SnapshotBenchmark {

    @Param({"100000", "1000000"})
    public int entries;

    private Path spillParent;
    private UnifiedMemoryManager manager;
    private MemoryClient client;
    private SpillableStore store;

    @Setup(Level.Trial)
    public void open() throws IOException {
        spillParent = Files.createTempDirectory("spillway-bench");
        manager = new UnifiedMemoryManager(512L << 20);
        client = manager.newClient("bench");
        store = SpillableStore.open(client, StoreSettings.defaults(spillParent), "bench");
        byte[] value = new byte[100];
        for (int i = 0; i < entries; i++) {
            byte[] key = SpillableStoreBenchmark.TestKey.valueStateKey(i % 128, i);
            store.put(key, key.length, value, 0, value.length);
        }
    }

    @Benchmark
    public void takeAndRelease() throws IOException {
        store.snapshot().close();
    }

    @Benchmark
    public long takeAndScan() throws IOException {
        long bytes = 0;
        try (StoreSnapshot snapshot = store.snapshot();
                StoreCursor cursor = snapshot.scan(new byte[0], 0)) {
            while (cursor.next()) {
                bytes += cursor.value().length;
            }
        }
        return bytes;
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        client.close();
        manager.close();
        Files.deleteIfExists(spillParent);
    }
}
