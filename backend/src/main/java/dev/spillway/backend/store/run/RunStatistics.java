package dev.spillway.backend.store.run;

import java.util.concurrent.atomic.LongAdder;

/**
 * I/O counters of one {@link RunDirectory}, safe to read from a metrics thread.
 *
 * <p><b>Write amplification</b> here is disk-level: all run bytes written (spills plus
 * compactions) divided by the key and value bytes that spills handed to the disk. A store that
 * counts its users' bytes itself (including those overwritten in memory and never spilled) can
 * divide {@link #bytesWritten()} by that instead.
 */
public final class RunStatistics {

    private final LongAdder spilledUserBytes = new LongAdder();
    private final LongAdder spillFileBytes = new LongAdder();
    private final LongAdder compactionFileBytes = new LongAdder();
    private final LongAdder compactionInputBytes = new LongAdder();
    private final LongAdder snapshotFileBytes = new LongAdder();
    private final LongAdder runsWritten = new LongAdder();
    private final LongAdder runsDeleted = new LongAdder();

    void recordRunWritten(RunWriter.Purpose purpose, long fileBytes, long userBytes) {
        runsWritten.increment();
        switch (purpose) {
            case SPILL:
                spilledUserBytes.add(userBytes);
                spillFileBytes.add(fileBytes);
                break;
            case COMPACTION:
                compactionFileBytes.add(fileBytes);
                break;
            case SNAPSHOT:
                snapshotFileBytes.add(fileBytes);
                break;
            case ADOPTED:
                break; // never written by a writer of this directory
        }
    }

    /** Called by compaction with the file bytes of the runs it merged. */
    public void recordCompactionInput(long fileBytes) {
        compactionInputBytes.add(fileBytes);
    }

    void recordRunDeleted() {
        runsDeleted.increment();
    }

    /** Key and value bytes of all entries written by spills. */
    public long spilledUserBytes() {
        return spilledUserBytes.sum();
    }

    /** File bytes of all completed spill runs. */
    public long spillFileBytes() {
        return spillFileBytes.sum();
    }

    /** File bytes of all completed compaction outputs. */
    public long compactionFileBytes() {
        return compactionFileBytes.sum();
    }

    /** File bytes of all runs consumed by completed compactions. */
    public long compactionInputBytes() {
        return compactionInputBytes.sum();
    }

    /** File bytes of all runs written from snapshots' in-memory entries (for checkpoints). */
    public long snapshotFileBytes() {
        return snapshotFileBytes.sum();
    }

    /** All run file bytes written by completed writers. */
    public long bytesWritten() {
        return spillFileBytes.sum() + compactionFileBytes.sum() + snapshotFileBytes.sum();
    }

    /**
     * Spill and compaction file bytes per spilled user byte; 0 before the first spill. Snapshot
     * runs are left out: they are written for checkpoints, not to make room.
     */
    public double writeAmplification() {
        long user = spilledUserBytes.sum();
        return user == 0 ? 0.0 : (double) (spillFileBytes.sum() + compactionFileBytes.sum()) / user;
    }

    public long runsWritten() {
        return runsWritten.sum();
    }

    public long runsDeleted() {
        return runsDeleted.sum();
    }
}
