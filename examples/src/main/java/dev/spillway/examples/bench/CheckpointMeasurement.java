package dev.spillway.examples.bench;

import java.util.Locale;

/**
 * What the checkpoint benchmark measured on one backend. A child JVM prints it as one line ({@link
 * #toLine()}) that the parent finds in the child's output and reads back ({@link #parse(String)}).
 *
 * @param loadSeconds from the job's start to the end of loading every key
 * @param stateBytes the full state size of the last measured checkpoint, as Flink reports it
 * @param checkpoints checkpoints completed in the measuring window (triggered after loading)
 * @param failedCheckpoints checkpoints triggered in the measuring window that failed
 * @param sizeMedianBytes median checkpointed size (what the checkpoint wrote: the delta of an
 *     incremental one) over the measured checkpoints
 * @param sizeMaxBytes the largest of them
 * @param sizeTotalBytes all measured checkpoints together: what the backend uploaded over the
 *     window. A median hides the occasional large upload after a compaction; the total does not
 * @param durationMedianMillis median end-to-end duration over the measured checkpoints
 * @param durationMaxMillis the longest of them
 * @param restoreMillis from the injected failure to the first record processed by the restored
 *     subtask
 * @param rescaleMillis from submitting the job with the new parallelism (restoring the last
 *     retained checkpoint) to the first record processed by every one of its keyed subtasks
 */
record CheckpointMeasurement(
        double loadSeconds,
        long stateBytes,
        long checkpoints,
        long failedCheckpoints,
        long sizeMedianBytes,
        long sizeMaxBytes,
        long sizeTotalBytes,
        long durationMedianMillis,
        long durationMaxMillis,
        long restoreMillis,
        long rescaleMillis) {

    /** The mean checkpointed size: the total spread over the measured checkpoints. */
    long sizeMeanBytes() {
        return checkpoints == 0 ? 0 : sizeTotalBytes / checkpoints;
    }

    static final String LINE_PREFIX = "CHECKPOINT-BENCHMARK-MEASUREMENT ";

    String toLine() {
        return LINE_PREFIX
                + String.format(
                        Locale.ROOT,
                        "loadSeconds=%.3f stateBytes=%d checkpoints=%d failedCheckpoints=%d"
                                + " sizeMedianBytes=%d sizeMaxBytes=%d sizeTotalBytes=%d"
                                + " durationMedianMillis=%d"
                                + " durationMaxMillis=%d restoreMillis=%d rescaleMillis=%d",
                        loadSeconds,
                        stateBytes,
                        checkpoints,
                        failedCheckpoints,
                        sizeMedianBytes,
                        sizeMaxBytes,
                        sizeTotalBytes,
                        durationMedianMillis,
                        durationMaxMillis,
                        restoreMillis,
                        rescaleMillis);
    }

    /** Reads a line written by {@link #toLine()}. */
    static CheckpointMeasurement parse(String line) {
        MeasurementLine fields = MeasurementLine.parse(line, LINE_PREFIX, "checkpoint benchmark");
        return new CheckpointMeasurement(
                fields.doubleValue("loadSeconds"),
                fields.longValue("stateBytes"),
                fields.longValue("checkpoints"),
                fields.longValue("failedCheckpoints"),
                fields.longValue("sizeMedianBytes"),
                fields.longValue("sizeMaxBytes"),
                fields.longValue("sizeTotalBytes"),
                fields.longValue("durationMedianMillis"),
                fields.longValue("durationMaxMillis"),
                fields.longValue("restoreMillis"),
                fields.longValue("rescaleMillis"));
    }
}
