package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.compaction.CompactionFilter;
import dev.spillway.backend.store.compaction.CompactionTask;
import dev.spillway.backend.store.compaction.Compactor;
import dev.spillway.backend.store.compaction.TieredCompactionPolicy;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;

/**
 * The store side of compaction: plans against the current runs and installs the merged run, both
 * under the store lock, while {@link BackgroundCompaction} merges on its thread without it. Also
 * tells writers when spills have outrun the merges.
 */
final class StoreCompaction implements BackgroundCompaction.Target {

    /** The runs team's tested defaults for the size-tiered policy, with our merge width. */
    private static final double COMPACTION_SIZE_RATIO = 1.2;

    private static final int MAX_RUNS = 12;

    /**
     * Writes wait for the compaction thread once there are this many times the policy's run cap:
     * each run costs every read that misses memory a bloom probe, so spills must not outrun merges
     * without bound (RocksDB's write stall).
     */
    private static final int STALL_FACTOR = 3;

    private final GuardedState state;
    private final FreezeSlot freeze;
    private final StoreMemoryAccounts accounts;
    private final Compactor compactor;
    private final BackgroundCompaction background;
    private final int stallRunCount;

    StoreCompaction(
            GuardedState state,
            FreezeSlot freeze,
            RunDirectory directory,
            StoreMemoryAccounts accounts,
            StoreSettings settings,
            CompactionFilter compactionFilter) {
        this.state = state;
        this.freeze = freeze;
        this.accounts = accounts;
        int maxRuns = Math.max(MAX_RUNS, settings.compactionTrigger());
        this.stallRunCount = STALL_FACTOR * maxRuns;
        this.compactor =
                new Compactor(
                        directory,
                        new TieredCompactionPolicy(
                                settings.compactionTrigger(), COMPACTION_SIZE_RATIO, maxRuns),
                        compactionFilter);
        this.background = new BackgroundCompaction(this, state.storeName);
    }

    @Override
    public CompactionTask plan(boolean full) {
        state.lock.lock();
        try {
            background.planned();
            freeze.revokeStaleSnapshotFreeze(full);
            if (full) {
                // A full compaction is asked for explicitly (and waited for): it waits for a
                // frozen eviction to end rather than be skipped.
                freeze.awaitEnd();
            }
            if (state.isClosed() || freeze.inFlight()) {
                // A frozen write's run is placed by counting the newest runs: none may be
                // merged away meanwhile. Its end schedules compaction again.
                return null;
            }
            RunVersion runs = state.runs.version();
            return full ? compactor.planFull(runs) : compactor.plan(runs);
        } finally {
            state.lock.unlock();
        }
    }

    @Override
    public MemoryReservation reserveMemory(CompactionTask task) {
        return accounts.forCompaction(task);
    }

    @Override
    public void install(CompactionTask task) {
        state.lock.lock();
        try {
            if (state.isClosed()) {
                return;
            }
            state.runs.install(task.applyTo(state.runs.version()));
            background.schedule();
        } finally {
            state.lock.unlock();
        }
    }

    /** Queues a compaction if the policy finds one due; call under the store lock. */
    void schedule() {
        background.schedule();
    }

    /** Merges all runs into one and waits for it; call without the store lock. */
    void compactFullyAndWait() throws IOException {
        background.compactFullyAndWait();
    }

    /** Whether spills have produced so many runs that writes should let the merges catch up. */
    boolean lagsBehindSpills() {
        return state.runs.count() >= stallRunCount && background.busy();
    }

    /** Waits until the compactions queued so far have finished; call without the store lock. */
    void awaitQueued() throws IOException {
        background.awaitQueued();
    }

    /** Whether a compaction is queued or merging. */
    boolean pending() {
        return background.busy();
    }

    long completed() {
        return background.completed();
    }

    long failed() {
        return background.failed();
    }

    /** Cancels a merge in progress and waits for the thread to end; call without the lock. */
    void shutdown() {
        background.shutdown();
    }
}
