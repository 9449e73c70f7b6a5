package dev.spillway.backend.store;

import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.PinnedRecords;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state that the parts of one store share, and the one lock that guards it.
 *
 * <p>{@link #lock} guards the {@link #memtable}, the {@link #runs}, every field of this class and
 * the {@link FreezeSlot}. The task thread takes it for every operation; the other takers are an
 * eviction from another thread ({@link MemtableEviction}), the compaction thread while it plans and
 * installs ({@link StoreCompaction}) and views returning their pins ({@link StoreSnapshots}).
 * Waiting for pinned memory always happens on {@link #awaitPinRelease}, which releases the lock.
 */
final class GuardedState {

    final String storeName;
    final ReentrantLock lock = new ReentrantLock();
    final Memtable memtable;
    final CurrentRuns runs = new CurrentRuns();

    /**
     * How long a write, a close or a full compaction waits for pinned memory to come back: {@code
     * spillway.memory.execution-wait-timeout}.
     */
    final long pinWaitNanos;

    /** Signalled when pinned pages may have come back, and when the store closes. */
    private final Condition pinsReleasedSignal = lock.newCondition();

    /**
     * Counts the moments pinned pages may have come back (a view returned its pins, a frozen write
     * ended); a write waiting for memory retries after each.
     */
    private long pinReleases;

    /** Snapshot views not yet closed. */
    private int openSnapshots;

    private boolean closed;

    GuardedState(String storeName, Memtable memtable, long pinWaitNanos) {
        this.storeName = storeName;
        this.memtable = memtable;
        this.pinWaitNanos = pinWaitNanos;
    }

    boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Store " + storeName + " is closed");
        }
    }

    /** Closes the state for every part and wakes whoever waits for pins: they stop waiting. */
    void markClosed() {
        closed = true;
        pinsReleased();
    }

    /** Pinned pages may have come back: wakes the writers (and the close) waiting for them. */
    void pinsReleased() {
        pinReleases++;
        pinsReleasedSignal.signalAll();
    }

    /** How many times pins were released so far; a waiter compares it before and after. */
    long pinReleases() {
        return pinReleases;
    }

    /** Waits, lock released, for {@link #pinsReleased}; returns the nanoseconds left. */
    long awaitPinRelease(long nanos) throws InterruptedException {
        return pinsReleasedSignal.awaitNanos(nanos);
    }

    int openSnapshots() {
        return openSnapshots;
    }

    void snapshotOpened() {
        openSnapshots++;
    }

    /** A snapshot view gave its pins back ({@link #unpin}); called under the lock. */
    void snapshotClosed() {
        openSnapshots--;
        pinsReleased();
    }

    /** Returns a cursor's pins; any thread. After close the pages are already gone. */
    void unpin(PinnedRecords pinned) {
        lock.lock();
        try {
            if (!closed) {
                memtable.unpin(pinned);
            }
        } finally {
            lock.unlock();
        }
    }
}
