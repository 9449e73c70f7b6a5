package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The hot path of a memtable point read: resolve a 64-bit pointer and read through {@link Page},
 * with the checks compiled out (production) and in ({@code -Dspillway.bounds.checks=true}), against
 * reading the same {@link MemorySegment}s directly. 1 MiB of 32 KiB pages, so the data is cache
 * resident and the cost is the access path itself.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class PageAccessBenchmark {

    private static final int PAGES = 32;
    private static final int READS = 1 << 12;

    private UnifiedMemoryManager manager;
    private MemoryClient client;
    private PageSizeBenchmark.Pages consumer;
    private long[] pointers;
    private MemorySegment[] segments;

    @Setup(Level.Trial)
    public void open() {
        manager = new UnifiedMemoryManager(PAGES * MemorySettings.DEFAULT_PAGE_SIZE);
        client = manager.newClient("bench");
        consumer = new PageSizeBenchmark.Pages(client);
        int records = PAGES * (MemorySettings.DEFAULT_PAGE_SIZE / 64);
        long[] written = consumer.fill(records, new byte[64]);
        SplittableRandom random = new SplittableRandom(7);
        pointers = new long[READS];
        segments = new MemorySegment[READS];
        for (int i = 0; i < READS; i++) {
            pointers[i] = written[random.nextInt(records)];
            segments[i] = client.page(pointers[i]).segment();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        consumer.freeAll();
        client.close();
        manager.close();
    }

    @Benchmark
    @OperationsPerInvocation(READS)
    public long pointerReadUnchecked() {
        return readThroughPages();
    }

    @Benchmark
    @OperationsPerInvocation(READS)
    @Fork(jvmArgsAppend = "-Dspillway.bounds.checks=true")
    public long pointerReadChecked() {
        return readThroughPages();
    }

    @Benchmark
    @OperationsPerInvocation(READS)
    public long segmentReadBaseline() {
        long sum = 0;
        for (int i = 0; i < READS; i++) {
            sum += segments[i].getLong(PagePointer.offset(pointers[i]));
        }
        return sum;
    }

    private long readThroughPages() {
        long sum = 0;
        for (long pointer : pointers) {
            sum += client.page(pointer).getLong(PagePointer.offset(pointer));
        }
        return sum;
    }
}
