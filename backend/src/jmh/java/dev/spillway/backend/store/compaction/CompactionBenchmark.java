package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.run.BlockCache;
import dev.spillway.backend.store.run.BlockCompression;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunFormatOptions;
import dev.spillway.backend.store.run.RunVersion;
import dev.spillway.backend.store.run.RunWriter;

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
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Full compaction of {@value #RUNS} overlapping runs of {@value #ENTRIES_PER_RUN} entries each
 * (a quarter of each run's keys shadow older ones). One operation merges all of them into a new
 * run, which is then deleted. MB/s = input file bytes (printed at setup) / time per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CompactionBenchmark {

    static final int RUNS = 4;
    static final int ENTRIES_PER_RUN = 50_000;

    @Param({"NONE", "LZ4"})
    public BlockCompression compression;

    private Path parent;
    private RunDirectory directory;
    private RunVersion version;
    private Compactor compactor;

    @Setup(Level.Trial)
    public void writeRuns() throws IOException {
        parent = Files.createTempDirectory("compaction-benchmark");
        directory = RunDirectory.create(parent, RunFormatOptions.defaults().withCompression(compression),
                BlockCache.disabled());
        version = RunVersion.empty();
        Random random = new Random(3);
        byte[] value = new byte[32];
        for (int r = 0; r < RUNS; r++) {
            try (RunWriter writer = directory.newWriter(ENTRIES_PER_RUN, RunWriter.Purpose.SPILL)) {
                // Run r holds keys r*3/4*N .. (r*3/4+1)*N: consecutive runs overlap by a quarter.
                long first = (long) r * ENTRIES_PER_RUN * 3 / 4;
                for (long k = first; k < first + ENTRIES_PER_RUN; k++) {
                    random.nextBytes(value);
                    Arrays.fill(value, 16, 32, (byte) 0);
                    writer.add(key(k), EntryKind.PUT, value);
                }
                Run run = writer.finish();
                RunVersion next = version.withNewest(run);
                run.release();
                version.release();
                version = next;
            }
        }
        compactor = new Compactor(directory, TieredCompactionPolicy.defaults(), CompactionFilter.KEEP_ALL);
        System.out.println("\nCompaction input: " + version.sizeBytes() + " bytes in " + RUNS + " runs");
    }

    @TearDown(Level.Trial)
    public void deleteRuns() throws IOException {
        version.release();
        directory.close();
        Files.deleteIfExists(parent);
    }

    @Benchmark
    public long compactAll() throws IOException {
        try (CompactionTask task = compactor.planFull(version)) {
            return task.run().sizeBytes();
        }
    }

    private static byte[] key(long k) {
        byte[] key = new byte[16];
        key[3] = 1;
        key[4] = 8;
        for (int i = 0; i < 8; i++) {
            key[5 + i] = (byte) (k >>> (56 - 8 * i));
        }
        key[13] = 2;
        return key;
    }
}
