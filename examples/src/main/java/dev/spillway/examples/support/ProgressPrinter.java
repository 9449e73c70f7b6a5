package dev.spillway.examples.support;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private volatile boolean sawRuns;
    private volatile double mostRuns;
    private volatile double executionPeakBytes;

    /**
     * Last seen value of each read-path metric, by identifier: a finished subtask unregisters its
     * metrics, so the summary adds up what each subtask last reported.
     */
    private final Map<String, Double> lastReadMetrics = new ConcurrentHashMap<>();

    private ProgressPrinter(PrintStream out, String operatorName) {
        this.out = out;
        this.operatorName = operatorName;
    }

    /** Starts printing progress of the named keyed operator once a second. */
    public static ProgressPrinter start(PrintStream out, String operatorName) {
        ProgressPrinter printer = new ProgressPrinter(out, operatorName);
        printer.timer.scheduleAtFixedRate(printer::printLineSafely, 1, 1, TimeUnit.SECONDS);
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
     * One line on the runs and the execution memory: the most runs all subtasks' stores held at
     * one progress line, and the largest execution peak of a slot; {@code null} when the backend
     * publishes neither.
     */
    public String runsAndExecutionSummary() {
        // Read from what the progress lines saw: a finished job's metrics are unregistered.
        if (!sawRuns) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "Runs: at most %,.0f at once (all stores). Execution memory: peak %s in a slot.",
                mostRuns,
                formatBytes(executionPeakBytes));
    }

    /**
     * The largest completed checkpoint seen while the job ran. Kept here because the job's
     * checkpoint metrics are unregistered as soon as it finishes.
     */
    public double largestCheckpointBytes() {
        return Math.max(largestCheckpointBytes, MetricsCapture.max(".lastCheckpointSize"));
    }

    /**
     * One line on reads of spilled state: point reads that reached the runs, blocks they looked up
     * and bytes they read from disk per read, and the block cache's hit ratio; {@code null} when
     * the backend publishes no such metrics.
     */
    public String readPathSummary() {
        recordReadMetrics();
        double gets = 0;
        double blocks = 0;
        double bytes = 0;
        double hits = 0;
        double misses = 0;
        for (Map.Entry<String, Double> e : lastReadMetrics.entrySet()) {
            String id = e.getKey();
            double value = e.getValue();
            if (id.endsWith(SpillwayMetrics.RUN_GETS)) {
                String scope = id.substring(0, id.length() - SpillwayMetrics.RUN_GETS.length());
                gets += value;
                blocks += value * lastReadMetrics.getOrDefault(scope + SpillwayMetrics.BLOCKS_PER_GET, 0.0);
                bytes += value * lastReadMetrics.getOrDefault(scope + SpillwayMetrics.BYTES_PER_GET, 0.0);
            } else if (id.endsWith(SpillwayMetrics.BLOCK_CACHE_HITS)) {
                hits += value;
            } else if (id.endsWith(SpillwayMetrics.BLOCK_CACHE_MISSES)) {
                misses += value;
            }
        }
        if (gets == 0 && hits + misses == 0) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "Reads of spilled state: %,.0f gets from runs, %.2f blocks looked up and %,.0f bytes"
                        + " read from disk per get; block cache hit ratio %.1f%% (%,.0f of %,.0f).",
                gets,
                gets == 0 ? 0 : blocks / gets,
                gets == 0 ? 0 : bytes / gets,
                hits + misses == 0 ? 0 : 100 * hits / (hits + misses),
                hits,
                hits + misses);
    }

    private void recordReadMetrics() {
        for (String suffix :
                new String[] {
                    SpillwayMetrics.RUN_GETS,
                    SpillwayMetrics.BLOCKS_PER_GET,
                    SpillwayMetrics.BYTES_PER_GET,
                    SpillwayMetrics.BLOCK_CACHE_HITS,
                    SpillwayMetrics.BLOCK_CACHE_MISSES
                }) {
            lastReadMetrics.putAll(MetricsCapture.values(suffix));
        }
    }

    /** A scheduled task that throws is never run again: one bad reading must not end the lines. */
    private void printLineSafely() {
        try {
            printLine();
        } catch (RuntimeException e) {
            out.println("(progress line skipped: " + e + ")");
        }
    }

    private void printLine() {
        recordReadMetrics();
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
        if (MetricsCapture.has(SpillwayMetrics.RUNS)) {
            sawRuns = true;
            mostRuns = Math.max(mostRuns, MetricsCapture.sum("", SpillwayMetrics.RUNS));
        }
        if (MetricsCapture.has(SpillwayMetrics.EXECUTION_PEAK)) {
            executionPeakBytes =
                    Math.max(executionPeakBytes, MetricsCapture.max(SpillwayMetrics.EXECUTION_PEAK));
        }
        out.println(
                String.format(
                        Locale.ROOT,
                        "[%4ds] %,9.0f rec/s | %,11.0f records | in memory %s entries | exec %s / %s (peak %s, took back %s) | storage %s / %s | spilled %s | runs %s (%s) | ckpt %s",
                        (now - startNanos) / 1_000_000_000L,
                        rate,
                        records,
                        count(SpillwayMetrics.ENTRIES_IN_MEMORY),
                        bytes(SpillwayMetrics.EXECUTION_USED),
                        bytes(SpillwayMetrics.EXECUTION_SIZE),
                        bytes(SpillwayMetrics.EXECUTION_PEAK),
                        bytes(SpillwayMetrics.EVICTED_FOR_EXECUTION),
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
