package dev.spillway.examples.support;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints one line a second while a job runs: throughput, state entries, memory pools, spilling,
 * runs on disk and the last checkpoint. Every figure is read from Flink metrics through {@link
 * MetricsCapture}; a figure whose metric the backend in use does not publish shows as "-".
 */
public final class ProgressPrinter implements AutoCloseable {

    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "progress-printer");
                        t.setDaemon(true);
                        return t;
                    });
    private final PrintStream out;
    private final String operatorName;
    private final long startNanos = System.nanoTime();
    private double lastRecords;
    private long lastNanos = startNanos;
    private double peakRecordsPerSecond;
    private volatile double largestCheckpointBytes;

    private ProgressPrinter(PrintStream out, String operatorName) {
        this.out = out;
        this.operatorName = operatorName;
    }

    /** Starts printing progress of the named keyed operator once a second. */
    public static ProgressPrinter start(PrintStream out, String operatorName) {
        ProgressPrinter printer = new ProgressPrinter(out, operatorName);
        printer.timer.scheduleAtFixedRate(printer::printLine, 1, 1, TimeUnit.SECONDS);
        return printer;
    }

    /** Records the keyed operator has processed so far, over all subtasks. */
    public double recordsIn() {
        return MetricsCapture.sum("." + operatorName + ".", ".numRecordsIn");
    }

    public double peakRecordsPerSecond() {
        return peakRecordsPerSecond;
    }

    /**
     * The largest completed checkpoint seen while the job ran. Kept here because the job's
     * checkpoint metrics are unregistered as soon as it finishes.
     */
    public double largestCheckpointBytes() {
        return Math.max(largestCheckpointBytes, MetricsCapture.max(".lastCheckpointSize"));
    }

    private void printLine() {
        long now = System.nanoTime();
        // Counters of finished subtasks are unregistered, so the sum can fall at the very end;
        // never report that as negative throughput.
        double records = Math.max(recordsIn(), lastRecords);
        double rate = (records - lastRecords) / ((now - lastNanos) / 1e9);
        lastRecords = records;
        lastNanos = now;
        peakRecordsPerSecond = Math.max(peakRecordsPerSecond, rate);
        largestCheckpointBytes =
                Math.max(largestCheckpointBytes, MetricsCapture.max(".lastCheckpointSize"));
        out.println(
                String.format(
                        Locale.ROOT,
                        "[%4ds] %,9.0f rec/s | %,11.0f records | in memory %s entries | exec %s / %s | storage %s / %s | spilled %s | runs %s (%s) | ckpt %s",
                        (now - startNanos) / 1_000_000_000L,
                        rate,
                        records,
                        count(SpillwayMetrics.ENTRIES_IN_MEMORY),
                        bytes(SpillwayMetrics.EXECUTION_USED),
                        bytes(SpillwayMetrics.EXECUTION_SIZE),
                        bytes(SpillwayMetrics.STORAGE_USED),
                        bytes(SpillwayMetrics.STORAGE_SIZE),
                        bytes(SpillwayMetrics.EVICTED_BYTES),
                        count(SpillwayMetrics.RUNS),
                        bytes(SpillwayMetrics.BYTES_ON_DISK),
                        checkpoint()));
    }

    private static String checkpoint() {
        if (MetricsCapture.max(".numberOfCompletedCheckpoints") < 1) {
            return "none yet";
        }
        return String.format(
                Locale.ROOT,
                "#%.0f %s in %.0f ms",
                MetricsCapture.max(".numberOfCompletedCheckpoints"),
                formatBytes(MetricsCapture.max(".lastCheckpointSize")),
                MetricsCapture.max(".lastCheckpointDuration"));
    }

    private static String count(String suffix) {
        return MetricsCapture.has(suffix)
                ? String.format(Locale.ROOT, "%,.0f", MetricsCapture.sum("", suffix))
                : "-";
    }

    private static String bytes(String suffix) {
        return MetricsCapture.has(suffix) ? formatBytes(MetricsCapture.sum("", suffix)) : "-";
    }

    /** Formats a byte count as MiB with one decimal. */
    public static String formatBytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024 * 1024));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
