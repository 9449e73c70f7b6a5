package dev.spillway.backend.store;

import java.util.concurrent.TimeUnit;

/**
 * The one frozen write a store allows at a time: a frozen part of the memtable being written to a
 * run off the lock that will be installed among the store's runs, an eviction's ({@link
 * MemtableEviction#evictFrozen}) or a snapshot's ({@link StoreSnapshots#installSnapshotRun}).
 *
 * <p>One at a time, and no compaction while one is in flight: the run is placed by counting the
 * runs installed as newest meanwhile ({@link CurrentRuns#installBelowNewer}), so none may be merged
 * away; see {@link MemtableEviction#evictFrozen} for why. Its end therefore lets compaction run
 * again, and also wakes writers waiting for pinned memory.
 *
 * <p>Guarded by the store lock ({@link GuardedState#lock}).
 */
final class FreezeSlot {

    /** How long a snapshot view may hold the freeze before compactions and evictions revoke it. */
    static final long SNAPSHOT_FREEZE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final GuardedState state;

    /** Schedules compaction, which the freeze held off. */
    private final Runnable compactionDue;

    /** Whether a frozen write is in flight. */
    private boolean inFlight;

    /**
     * The token of the snapshot view holding the freeze, or 0 when an eviction holds it (or none
     * does). A snapshot's freeze is only an optimization (its run joining the store), so it is
     * revoked rather than let it hold up compactions and evictions for long ({@link
     * #revokeStaleSnapshotFreeze}).
     */
    private long snapshotToken;

    private long snapshotSinceNanos;
    private long tokens;

    FreezeSlot(GuardedState state, Runnable compactionDue) {
        this.state = state;
        this.compactionDue = compactionDue;
    }

    boolean inFlight() {
        return inFlight;
    }

    /** Takes the freeze for an eviction; the caller has seen it free. */
    void takeForEviction() {
        inFlight = true;
    }

    /**
     * Takes the freeze for a snapshot view if it is free.
     *
     * @return the view's token, to present when it installs or releases; 0 when another frozen
     *     write holds the freeze (the view's run will be its own)
     */
    long tryTakeForSnapshot() {
        if (inFlight) {
            return 0;
        }
        inFlight = true;
        snapshotToken = ++tokens;
        snapshotSinceNanos = System.nanoTime();
        return snapshotToken;
    }

    /** Whether the snapshot view of the token still holds the freeze (it was not revoked). */
    boolean heldBySnapshot(long token) {
        return inFlight && snapshotToken == token;
    }

    /**
     * Takes the freeze back from a snapshot view that has held it longer than {@link
     * #SNAPSHOT_FREEZE_NANOS} (or at once when {@code now}): its run will stay its own. A view
     * that is persisted promptly (a checkpoint's asynchronous part starts with it) keeps it; a
     * view left unread must not stop compactions and evictions.
     */
    void revokeStaleSnapshotFreeze(boolean now) {
        if (inFlight
                && snapshotToken != 0
                && (now || System.nanoTime() - snapshotSinceNanos > SNAPSHOT_FREEZE_NANOS)) {
            inFlight = false;
            snapshotToken = 0;
            state.pinsReleased();
        }
    }

    /** The frozen write ended, whether its run was installed or not. */
    void end() {
        inFlight = false;
        snapshotToken = 0;
        state.pinsReleased();
        if (!state.isClosed()) {
            compactionDue.run();
        }
    }

    /** Waits, lock released, for a frozen write to end; bounded by the pin wait timeout. */
    void awaitEnd() {
        long left = state.pinWaitNanos;
        try {
            while (inFlight && !state.isClosed() && left > 0) {
                left = state.awaitPinRelease(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
