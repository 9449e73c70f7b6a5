package dev.spillway.examples.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Renders the job benchmark's results as a Markdown table: one column per backend, one row per
 * metric, and the ratios of Spillway to rocksdb and to hashmap.
 */
final class JobBenchmarkTable {

    static final String SPILLWAY = "spillway";
    static final String ROCKSDB = "rocksdb";
    static final String HASHMAP = "hashmap";

    private static final double MIB = 1024 * 1024;

    /** One row: a metric, how to format it, and whether higher or lower is better. */
    private record Row(
            String name, ToDoubleFunction<JobMeasurement> value, String format, String better) {}

    private static final List<Row> ROWS =
            List.of(
                    new Row("records/s", JobMeasurement::recordsPerSecond, "%,.0f", "higher"),
                    new Row("peak RSS (MiB)", m -> m.peakRssBytes() / MIB, "%,.0f", "lower"),
                    new Row("GC pauses", JobMeasurement::gcPauses, "%,.0f", "lower"),
                    new Row("GC pause total (ms)", JobMeasurement::gcTotalMillis, "%,.0f", "lower"),
                    new Row("GC pause max (ms)", JobMeasurement::gcMaxMillis, "%,.0f", "lower"),
                    new Row("checkpoints completed", JobMeasurement::checkpoints, "%,.0f", "-"),
                    new Row(
                            "checkpoint duration max (ms)",
                            JobMeasurement::checkpointMaxMillis,
                            "%,.0f",
                            "lower"),
                    new Row(
                            "checkpoint size max (MiB)",
                            m -> m.checkpointMaxBytes() / MIB,
                            "%,.1f",
                            "-"));

    private JobBenchmarkTable() {}

    /**
     * The table, followed by one line per backend saying whether its peak RSS stayed within
     * {@code processMemoryBytes}, the process memory the run configured.
     */
    static String render(List<JobBenchmarkResult> results, long processMemoryBytes) {
        StringBuilder md = new StringBuilder("| metric | better |");
        for (JobBenchmarkResult r : results) {
            md.append(' ').append(r.backend()).append(" |");
        }
        md.append(" spillway / rocksdb | spillway / hashmap |\n|---|---|");
        md.append("---:|".repeat(results.size() + 2)).append('\n');
        md.append("| outcome | |");
        for (JobBenchmarkResult r : results) {
            md.append(' ').append(r.outcome()).append(" |");
        }
        md.append(" | |\n");
        for (Row row : ROWS) {
            md.append("| ").append(row.name()).append(" | ").append(row.better()).append(" |");
            for (JobBenchmarkResult r : results) {
                md.append(' ')
                        .append(
                                r.measurement()
                                        .map(m -> format(row, m))
                                        .orElse("—"))
                        .append(" |");
            }
            md.append(' ').append(ratio(results, row, SPILLWAY, ROCKSDB)).append(" |");
            md.append(' ').append(ratio(results, row, SPILLWAY, HASHMAP)).append(" |\n");
        }
        md.append('\n');
        for (JobBenchmarkResult r : results) {
            r.measurement()
                    .filter(m -> m.peakRssBytes() >= 0)
                    .ifPresent(
                            m ->
                                    md.append(
                                            String.format(
                                                    Locale.ROOT,
                                                    "- %s: peak RSS %,.0f MiB is %s the configured process memory of %,.0f MiB.%n",
                                                    r.backend(),
                                                    m.peakRssBytes() / MIB,
                                                    m.peakRssBytes() <= processMemoryBytes
                                                            ? "within"
                                                            : "OVER",
                                                    processMemoryBytes / MIB)));
        }
        return md.toString();
    }

    private static String format(Row row, JobMeasurement m) {
        if (row.name().startsWith("peak RSS") && m.peakRssBytes() < 0) {
            return "unknown";
        }
        return String.format(Locale.ROOT, row.format(), row.value().applyAsDouble(m));
    }

    private static String ratio(
            List<JobBenchmarkResult> results, Row row, String numerator, String denominator) {
        Optional<Double> n = valueOf(results, row, numerator);
        Optional<Double> d = valueOf(results, row, denominator);
        if (n.isEmpty() || d.isEmpty() || d.get() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f×", n.get() / d.get());
    }

    private static Optional<Double> valueOf(
            List<JobBenchmarkResult> results, Row row, String backend) {
        return results.stream()
                .filter(r -> r.backend().equals(backend))
                .findFirst()
                .flatMap(JobBenchmarkResult::measurement)
                .map(m -> row.value().applyAsDouble(m));
    }
}
