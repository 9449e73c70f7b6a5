package dev.spillway.examples.bench;

import java.util.Locale;

/**
 * What one run of the benchmark job measured in its JVM. A child JVM prints it as one line
 * ({@link #toLine()}) that the parent finds in the child's output and reads back ({@link
 * #parse(String)}).
 *
 * @param plannedRecords records the job's input has
 * @param records records the keyed operator processed: all planned ones, unless the run was
 *     stopped at its time limit
 * @param seconds from the first record reaching the keyed operator to the end of the job
 * @param peakRssBytes the process's peak resident set size, -1 where unknown
 * @param gcPauses stop-the-world GC pauses during the job
 * @param gcTotalMillis their summed duration
 * @param gcMaxMillis the longest of them
 * @param checkpoints completed checkpoints
 * @param checkpointMaxMillis the longest completed checkpoint (end to end)
 * @param checkpointMaxBytes the largest completed checkpoint as Flink reports it (its full size)
 */
record JobMeasurement(
        long plannedRecords,
        long records,
        double seconds,
        long peakRssBytes,
        long gcPauses,
        long gcTotalMillis,
        long gcMaxMillis,
        long checkpoints,
        long checkpointMaxMillis,
        long checkpointMaxBytes) {

    static final String LINE_PREFIX = "JOB-BENCHMARK-MEASUREMENT ";

    boolean completed() {
        return records >= plannedRecords;
    }

    double recordsPerSecond() {
        return seconds > 0 ? records / seconds : 0;
    }

    String toLine() {
        return LINE_PREFIX
                + String.format(
                        Locale.ROOT,
                        "plannedRecords=%d records=%d seconds=%.3f peakRssBytes=%d gcPauses=%d gcTotalMillis=%d"
                                + " gcMaxMillis=%d checkpoints=%d checkpointMaxMillis=%d"
                                + " checkpointMaxBytes=%d",
                        plannedRecords,
                        records,
                        seconds,
                        peakRssBytes,
                        gcPauses,
                        gcTotalMillis,
                        gcMaxMillis,
                        checkpoints,
                        checkpointMaxMillis,
                        checkpointMaxBytes);
    }

    /** Reads a line written by {@link #toLine()}. */
    static JobMeasurement parse(String line) {
        MeasurementLine fields = MeasurementLine.parse(line, LINE_PREFIX, "job benchmark");
        return new JobMeasurement(
                fields.longValue("plannedRecords"),
                fields.longValue("records"),
                fields.doubleValue("seconds"),
                fields.longValue("peakRssBytes"),
                fields.longValue("gcPauses"),
                fields.longValue("gcTotalMillis"),
                fields.longValue("gcMaxMillis"),
                fields.longValue("checkpoints"),
                fields.longValue("checkpointMaxMillis"),
                fields.longValue("checkpointMaxBytes"));
    }
}
