package dev.spillway.examples.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Timestamps that the keyed function and the benchmark driver share: the jobs run on an embedded
 * MiniCluster in the driver's JVM, so a static is the shortest path from a task to the measurement.
 * Times are {@link System#nanoTime()}.
 */
final class RecoveryProbe {

    private static final AtomicBoolean FAILURE_REQUESTED = new AtomicBoolean();
    private static volatile long failedAtNanos;

    /** Keyed by "generation/subtask/attempt": the first record each task instance processed. */
    private static final Map<String, Long> FIRST_RECORD = new ConcurrentHashMap<>();

    private RecoveryProbe() {}

    /** Forgets everything recorded: a run starts from nothing. */
    static void reset() {
        FAILURE_REQUESTED.set(false);
        failedAtNanos = 0;
        FIRST_RECORD.clear();
    }

    /** Makes subtask 0 of the running job throw at its next record. */
    static void requestFailure() {
        failedAtNanos = 0;
        FAILURE_REQUESTED.set(true);
    }

    /** Called by subtask 0 for every record: whether to throw now (only once per request). */
    static boolean failNow() {
        if (FAILURE_REQUESTED.compareAndSet(true, false)) {
            failedAtNanos = System.nanoTime();
            return true;
        }
        return false;
    }

    static long failedAtNanos() {
        return failedAtNanos;
    }

    static void recordProcessed(int generation, int subtask, int attempt) {
        String key = generation + "/" + subtask + "/" + attempt;
        if (!FIRST_RECORD.containsKey(key)) {
            FIRST_RECORD.putIfAbsent(key, System.nanoTime());
        }
    }

    /** When the given task instance processed its first record, or 0 if it has not yet. */
    static long firstRecordNanos(int generation, int subtask, int attempt) {
        return FIRST_RECORD.getOrDefault(generation + "/" + subtask + "/" + attempt, 0L);
    }
}
