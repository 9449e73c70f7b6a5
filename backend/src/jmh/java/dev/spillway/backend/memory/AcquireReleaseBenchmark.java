package dev.spillway.backend.memory;

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
 * Throughput of plain memory accounting ({@code acquireMemory} + {@code releaseMemory}) with free
 * memory available: the fast path every page allocation and index resize takes. With two threads,
 * each thread is a consumer of its own backend, contending on the slot's one manager lock.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AcquireReleaseBenchmark {

    private static final long BUDGET = 256L << 20;
    private static final long REQUEST = 1024;

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
        MemoryConsumer execution;
        MemoryConsumer storage;

        @Setup(Level.Trial)
        public void open(Slot slot) {
            client = slot.manager.newClient(Thread.currentThread().getName());
            execution = new NonSpilling(client, PoolKind.EXECUTION);
            storage = new NonSpilling(client, PoolKind.STORAGE);
        }

        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    @Benchmark
    @Threads(1)
    public void execution1Thread(Backend backend) {
        backend.execution.acquireMemory(REQUEST);
        backend.execution.releaseMemory(REQUEST);
    }

    @Benchmark
    @Threads(2)
    public void execution2Threads(Backend backend) {
        backend.execution.acquireMemory(REQUEST);
        backend.execution.releaseMemory(REQUEST);
    }

    @Benchmark
    @Threads(1)
    public void storage1Thread(Backend backend) {
        backend.storage.acquireMemory(REQUEST);
        backend.storage.releaseMemory(REQUEST);
    }

    @Benchmark
    @Threads(2)
    public void storage2Threads(Backend backend) {
        backend.storage.acquireMemory(REQUEST);
        backend.storage.releaseMemory(REQUEST);
    }

    static final class NonSpilling extends MemoryConsumer {
        NonSpilling(MemoryClient client, PoolKind pool) {
            super(client, pool, pool.name().toLowerCase());
        }

        @Override
        public long spill(long bytes, MemoryConsumer trigger) {
            return 0;
        }
    }
}
