package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Point reads and sequential scans of one run of {@value #ENTRIES} entries (16-byte composite-like
 * keys, 32-byte half-compressible values, about 5 MB of user data).
 *
 * <ul>
 *   <li>{@code getHit}: random present keys — bloom probe, index search, block (cached or read,
 *       checked and decoded), in-block search.
 *   <li>{@code getMiss}: random absent keys inside the key range — mostly answered by the bloom
 *       filter; 1% false positives read a block.
 *   <li>{@code scan}: the whole run in order, one entry per operation.
 * </ul>
 *
 * <p>{@code cacheBytes = 0} means every block is read from the file (the OS page cache) and
 * checked again; 64 MiB holds the whole run decoded. {@code blockSize} defaults to the format's
 * default; pass {@code -p blockSize=4096,32768} to see what smaller blocks buy uncached reads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RunReadBenchmark {

    static final int ENTRIES = 100_000;
    private static final int MASK = 4095;

    @Param({"NONE", "LZ4"})
    public BlockCompression compression;

    @Param({"0", "67108864"})
    public long cacheBytes;

    @Param({"32768"})
    public int blockSize;

    private Path parent;
    private RunDirectory directory;
    private Run run;
    private final byte[][] hits = new byte[MASK + 1][];
    private final byte[][] misses = new byte[MASK + 1][];
    private int next;

    @Setup(Level.Trial)
    public void writeRun() throws IOException {
        parent = Files.createTempDirectory("run-read-benchmark");
        RunFormatOptions options =
                RunFormatOptions.defaults().withCompression(compression).withBlockSize(blockSize);
        directory = RunDirectory.create(parent, options, new BlockCache(cacheBytes, MemoryCharge.UNACCOUNTED));
        run = writeRun(directory, ENTRIES, 2);
        Random random = new Random(42);
        for (int i = 0; i <= MASK; i++) {
            hits[i] = key(2L * random.nextInt(ENTRIES));
            misses[i] = key(2L * random.nextInt(ENTRIES) + 1);
        }
        System.out.println("\nRun file: " + run.sizeBytes() + " bytes for " + ENTRIES + " entries");
    }

    @TearDown(Level.Trial)
    public void deleteRun() throws IOException {
        run.release();
        directory.close();
        Files.deleteIfExists(parent);
    }

    @Benchmark
    public EntryValue getHit() throws IOException {
        byte[] key = hits[next++ & MASK];
        return run.get(key, key.length);
    }

    @Benchmark
    public EntryValue getMiss() throws IOException {
        byte[] key = misses[next++ & MASK];
        return run.get(key, key.length);
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public void scan(Blackhole sink) throws IOException {
        try (RunCursor cursor = run.scan(new byte[0], false)) {
            while (cursor.next()) {
                sink.consume(cursor.key());
                sink.consume(cursor.value());
            }
        }
    }

    /**
     * Writes keys {@code stride * i} for {@code i < entries}: with stride 2 the odd keys are
     * absent but inside the run's key range.
     */
    static Run writeRun(RunDirectory directory, int entries, long stride) throws IOException {
        byte[] value = new byte[32];
        Random random = new Random(7);
        try (RunWriter writer = directory.newWriter(entries, RunWriter.Purpose.SPILL)) {
            for (int i = 0; i < entries; i++) {
                random.nextBytes(value);
                java.util.Arrays.fill(value, 16, 32, (byte) 0);
                writer.add(key(stride * i), EntryKind.PUT, value);
            }
            return writer.finish();
        }
    }

    /** [key group 2][state id 2][length 1][8-byte key][namespace length 1][2-byte namespace]. */
    static byte[] key(long k) {
        byte[] key = new byte[16];
        key[0] = (byte) (k >>> 40);
        key[1] = (byte) (k >>> 32);
        key[3] = 1;
        key[4] = 8;
        for (int i = 0; i < 8; i++) {
            key[5 + i] = (byte) (k >>> (56 - 8 * i));
        }
        key[13] = 2;
        return key;
    }
}
