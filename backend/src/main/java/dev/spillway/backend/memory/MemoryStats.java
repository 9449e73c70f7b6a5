package dev.spillway.backend.memory;

import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of what the manager had to do to satisfy requests; read by {@link
 * MemoryMetrics}. Counters are striped ({@link LongAdder}) because spills are reported from many
 * threads.
 */
final class MemoryStats {

    private final LongAdder evictions = new LongAdder();
    private final LongAdder evictedBytes = new LongAdder();
    private final LongAdder spills = new LongAdder();
    private final LongAdder spilledBytes = new LongAdder();
    private final LongAdder evictedForExecutionBytes = new LongAdder();
    private final LongAdder unreservedBytes = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    private final LongAdder failedRequests = new LongAdder();

    /** A storage consumer released {@code bytes} on request (an eviction). */
    void recordEviction(long bytes) {
        evictions.increment();
        evictedBytes.add(bytes);
    }

    /** An execution consumer released {@code bytes} on request (a spill). */
    void recordSpill(long bytes) {
        spills.increment();
        spilledBytes.add(bytes);
    }

    /** Storage given up for an execution request: execution taking back what storage borrowed. */
    void recordEvictionForExecution(long bytes) {
        evictedForExecutionBytes.add(bytes);
    }

    /** Bytes a buffer used beyond what its {@link MemoryReservation} was granted. */
    void recordUnreserved(long bytes) {
        unreservedBytes.add(bytes);
    }

    void recordWait(long nanos) {
        waitNanos.add(nanos);
    }

    void recordFailure() {
        failedRequests.increment();
    }

    long evictions() {
        return evictions.sum();
    }

    long evictedBytes() {
        return evictedBytes.sum();
    }

    long spills() {
        return spills.sum();
    }

    long spilledBytes() {
        return spilledBytes.sum();
    }

    long evictedForExecutionBytes() {
        return evictedForExecutionBytes.sum();
    }

    long unreservedBytes() {
        return unreservedBytes.sum();
    }

    long waitNanos() {
        return waitNanos.sum();
    }

    long failedRequests() {
        return failedRequests.sum();
    }
}
