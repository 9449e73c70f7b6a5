package dev.spillway.backend.store;

import dev.spillway.backend.memory.SpillwayMemoryException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/**
 * Where a write waits, and for how long: for the compaction thread to catch up with spills, and
 * for pinned memory to come back. Both are back-pressure, as a write stall in RocksDB. Called by
 * the task thread only (the one that writes), which is also the only writer of the counters.
 */
final class WriteStalls {

    private final GuardedState state;
    private final FreezeSlot freeze;
    private final StoreCompaction compaction;

    private volatile long stalls;
    private volatile long stallNanos;

    WriteStalls(GuardedState state, FreezeSlot freeze, StoreCompaction compaction) {
        this.state = state;
        this.freeze = freeze;
        this.compaction = compaction;
    }

    /** Lets the compaction thread catch up when spills produced too many runs; no lock held. */
    void awaitCompactionIfLagging() throws IOException {
        if (compaction.lagsBehindSpills() && !state.lock.isHeldByCurrentThread()) {
            long start = System.nanoTime();
            stalls++;
            try {
                compaction.awaitQueued();
            } finally {
                stallNanos += System.nanoTime() - start;
            }
        }
    }

    /**
     * A write found no memory. If snapshot views are open, or a frozen eviction is being written,
     * the memory may be pinned by them: eviction writes pinned records to runs but can return their
     * pages only when the pins go. Waits, with the lock released, until some pins go (a view
     * persists or closes, a frozen write ends; then the caller retries the write) or until the
     * deadline, then gives up with the original error. This is back-pressure for the time a
     * checkpoint's asynchronous part holds the memtable, as a write stall in RocksDB; the wait is
     * bounded by {@code spillway.memory.execution-wait-timeout} because a view closed only by the
     * waiting thread itself (a snapshot taken but not yet run) would never let it go.
     *
     * <p>No deadlock: the lock is released while waiting, views close without any memory, and a
     * thread waiting here is not inside a memory request, so other backends' requests do not wait
     * for it.
     *
     * @param deadline 0 on the first wait of a write, then the value returned by the last call
     * @return the deadline for the next wait of the same write
     */
    long awaitPinnedMemory(SpillwayMemoryException noMemory, long deadline) throws IOException {
        if (state.openSnapshots() == 0 && !freeze.inFlight()) {
            throw noMemory;
        }
        long now = System.nanoTime();
        long end = deadline == 0 ? now + state.pinWaitNanos : deadline;
        long seen = state.pinReleases();
        stalls++;
        try {
            for (long left = end - now; state.pinReleases() == seen && !state.isClosed(); ) {
                if (left <= 0) {
                    throw noMemory;
                }
                left = state.awaitPinRelease(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException(
                            "Interrupted while store "
                                    + state.storeName
                                    + " waited for snapshot memory");
            interrupted.addSuppressed(noMemory);
            throw interrupted;
        } finally {
            stallNanos += System.nanoTime() - now;
        }
        state.checkOpen();
        return end;
    }

    long count() {
        return stalls;
    }

    long millis() {
        return TimeUnit.NANOSECONDS.toMillis(stallNanos);
    }
}
