package dev.spillway.backend.store;

import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.PinnedRecords;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

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
    final CurrentRuns runs;

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

    /** The pins of open task-thread scan cursors, until closed or {@link #detachScans detached}. */
    private final Set<PinnedRecords> scanPins = Collections.newSetFromMap(new IdentityHashMap<>());

    private boolean closed;

    GuardedState(
            String storeName,
            Memtable memtable,
            long pinWaitNanos,
            LongConsumer chargeRunIndexes) {
        this.storeName = storeName;
        this.memtable = memtable;
        this.runs = new CurrentRuns(chargeRunIndexes);
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

    /** A task-thread scan cursor pinned these records; called under the lock. */
    void scanOpened(PinnedRecords pinned) {
        scanPins.add(pinned);
    }

    /** A scan cursor closed: returns its pins unless they went back when it was detached. */
    void scanClosed(PinnedRecords pinned) {
        lock.lock();
        try {
            if (scanPins.remove(pinned) && !closed) {
                memtable.unpin(pinned);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves what every open scan cursor has left to read onto the heap and returns their pins;
     * {@code false} if no scan held any. For a write on the task thread (the thread that uses the
     * cursors, between two of their calls) that found no memory: the pins of one MapState row
     * spread over many pages can hold the whole budget, and waiting for the task's own iterator
     * would never end. Called under the lock.
     */
    boolean detachScans() {
        if (scanPins.isEmpty()) {
            return false;
        }
        for (PinnedRecords pinned : scanPins) {
            pinned.detach();
            memtable.unpin(pinned);
        }
        scanPins.clear();
        return true;
    }
}
