package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.core.memory.MemorySegmentFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;

/**
 * Page allocate + free throughput (32 KiB pages): Spillway's pooled pages, one and two threads,
 * against allocating and freeing a Flink off-heap segment directly ({@code malloc}/{@code free}
 * plus a cleaner), which is what an unpooled design would pay per page.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PageAllocationBenchmark {

    private static final long BUDGET = 256L << 20;

    @State(Scope.Benchmark)
    public static class Slot {
        UnifiedMemoryManager manager;

        @Setup(Level.Trial)
        public void open() {
            manager = new UnifiedMemoryManager(BUDGET);
        }

        @TearDown(Level.Trial)
        public void close() {
            manager.close();
        }
    }

    @State(Scope.Thread)
    public static class Backend {
        MemoryClient client;
        MemoryConsumer consumer;

        @Setup(Level.Trial)
        public void open(Slot slot) {
            client = slot.manager.newClient(Thread.currentThread().getName());
            consumer = new AcquireReleaseBenchmark.NonSpilling(client, PoolKind.STORAGE);
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    @Benchmark
    @Threads(1)
    public Page pooled1Thread(Backend backend) {
        Page page = backend.consumer.allocatePage();
        backend.consumer.freePage(page);
        return page;
    }

    @Benchmark
    @Threads(2)
    public Page pooled2Threads(Backend backend) {
        Page page = backend.consumer.allocatePage();
        backend.consumer.freePage(page);
        return page;
    }

    @Benchmark
    @Threads(1)
    public MemorySegment unpooledSegment1Thread() {
        MemorySegment segment =
                MemorySegmentFactory.allocateOffHeapUnsafeMemory(MemorySettings.DEFAULT_PAGE_SIZE);
        segment.free();
        return segment;
    }

    @Benchmark
    @Threads(2)
    public MemorySegment unpooledSegment2Threads() {
        MemorySegment segment =
                MemorySegmentFactory.allocateOffHeapUnsafeMemory(MemorySettings.DEFAULT_PAGE_SIZE);
        segment.free();
        return segment;
    }
}
