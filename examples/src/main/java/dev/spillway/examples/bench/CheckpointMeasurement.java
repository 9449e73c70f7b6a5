package dev.spillway.examples.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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
        long durationMedianMillis,
        long durationMaxMillis,
        long restoreMillis,
        long rescaleMillis) {

    static final String LINE_PREFIX = "CHECKPOINT-BENCHMARK-MEASUREMENT ";

    String toLine() {
        return LINE_PREFIX
                + String.format(
                        Locale.ROOT,
                        "loadSeconds=%.3f stateBytes=%d checkpoints=%d failedCheckpoints=%d"
                                + " sizeMedianBytes=%d sizeMaxBytes=%d durationMedianMillis=%d"
                                + " durationMaxMillis=%d restoreMillis=%d rescaleMillis=%d",
                        loadSeconds,
                        stateBytes,
                        checkpoints,
                        failedCheckpoints,
                        sizeMedianBytes,
                        sizeMaxBytes,
                        durationMedianMillis,
                        durationMaxMillis,
                        restoreMillis,
                        rescaleMillis);
    }

    /** Reads a line written by {@link #toLine()}. */
    static CheckpointMeasurement parse(String line) {
        if (!line.startsWith(LINE_PREFIX)) {
            throw new IllegalArgumentException("Not a checkpoint benchmark measurement: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.substring(LINE_PREFIX.length()).trim().split(" ")) {
            int eq = field.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("Malformed field '" + field + "' in: " + line);
            }
            fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        try {
            return new CheckpointMeasurement(
                    Double.parseDouble(required(fields, "loadSeconds", line)),
                    Long.parseLong(required(fields, "stateBytes", line)),
                    Long.parseLong(required(fields, "checkpoints", line)),
                    Long.parseLong(required(fields, "failedCheckpoints", line)),
                    Long.parseLong(required(fields, "sizeMedianBytes", line)),
                    Long.parseLong(required(fields, "sizeMaxBytes", line)),
                    Long.parseLong(required(fields, "durationMedianMillis", line)),
                    Long.parseLong(required(fields, "durationMaxMillis", line)),
                    Long.parseLong(required(fields, "restoreMillis", line)),
                    Long.parseLong(required(fields, "rescaleMillis", line)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Malformed number in: " + line, e);
        }
    }

    private static String required(Map<String, String> fields, String name, String line) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Missing field '" + name + "' in: " + line);
        }
        return value;
    }
}
