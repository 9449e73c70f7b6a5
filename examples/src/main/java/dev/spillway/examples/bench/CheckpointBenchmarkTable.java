package dev.spillway.examples.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Renders the checkpoint benchmark's results as a Markdown table: one column per backend, one row
 * per metric, and the ratios of each Spillway mode to rocksdb with incremental checkpoints.
 */
final class CheckpointBenchmarkTable {

    static final String BASELINE = "rocksdb-incremental";
    static final List<String> COMPARED = List.of("spillway-incremental", "spillway-full");

    private static final double MIB = 1024 * 1024;

    private record Row(
            String name,
            ToDoubleFunction<CheckpointMeasurement> value,
            String format,
            String better) {}

    private static final List<Row> ROWS =
            List.of(
                    new Row("load time (s)", CheckpointMeasurement::loadSeconds, "%,.1f", "lower"),
                    new Row("state size, full (MiB)", m -> m.stateBytes() / MIB, "%,.1f", "-"),
                    new Row(
                            "checkpoints measured",
                            CheckpointMeasurement::checkpoints,
                            "%,.0f",
                            "-"),
                    new Row(
                            "failed checkpoints (measured window)",
                            CheckpointMeasurement::failedCheckpoints,
                            "%,.0f",
                            "lower"),
                    new Row(
                            "checkpointed size, median (MiB)",
                            m -> m.sizeMedianBytes() / MIB,
                            "%,.2f",
                            "lower"),
                    new Row(
                            "checkpointed size, max (MiB)",
                            m -> m.sizeMaxBytes() / MIB,
                            "%,.2f",
                            "lower"),
                    new Row(
                            "checkpointed size, mean (MiB)",
                            m -> m.sizeMeanBytes() / MIB,
                            "%,.2f",
                            "lower"),
                    new Row(
                            "checkpoint duration, median (ms)",
                            CheckpointMeasurement::durationMedianMillis,
                            "%,.0f",
                            "lower"),
                    new Row(
                            "checkpoint duration, max (ms)",
                            CheckpointMeasurement::durationMaxMillis,
                            "%,.0f",
                            "lower"),
                    new Row(
                            "restore after failure (ms)",
                            CheckpointMeasurement::restoreMillis,
                            "%,.0f",
                            "lower"),
                    new Row(
                            "rescale 2 → 3 (ms)",
                            CheckpointMeasurement::rescaleMillis,
                            "%,.0f",
                            "lower"));

    private CheckpointBenchmarkTable() {}

    static String render(List<CheckpointBenchmarkResult> results) {
        StringBuilder md = new StringBuilder("| metric | better |");
        for (CheckpointBenchmarkResult r : results) {
            md.append(' ').append(r.backend()).append(" |");
        }
        for (String compared : COMPARED) {
            md.append(' ').append(compared).append(" / ").append(BASELINE).append(" |");
        }
        md.append("\n|---|---|");
        md.append("---:|".repeat(results.size() + COMPARED.size())).append('\n');
        md.append("| outcome | |");
        for (CheckpointBenchmarkResult r : results) {
            md.append(' ').append(r.outcome()).append(" |");
        }
        md.append(" |".repeat(COMPARED.size())).append('\n');
        for (Row row : ROWS) {
            md.append("| ").append(row.name()).append(" | ").append(row.better()).append(" |");
            for (CheckpointBenchmarkResult r : results) {
                md.append(' ')
                        .append(
                                r.measurement()
                                        .map(
                                                m ->
                                                        String.format(
                                                                Locale.ROOT,
                                                                row.format(),
                                                                row.value().applyAsDouble(m)))
                                        .orElse("—"))
                        .append(" |");
            }
            for (String compared : COMPARED) {
                md.append(' ').append(ratio(results, row, compared)).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static String ratio(List<CheckpointBenchmarkResult> results, Row row, String compared) {
        Optional<Double> n = valueOf(results, row, compared);
        Optional<Double> d = valueOf(results, row, BASELINE);
        if (n.isEmpty() || d.isEmpty() || d.get() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f×", n.get() / d.get());
    }

    private static Optional<Double> valueOf(
            List<CheckpointBenchmarkResult> results, Row row, String backend) {
        return results.stream()
                .filter(r -> r.backend().equals(backend))
                .findFirst()
                .flatMap(CheckpointBenchmarkResult::measurement)
                .map(m -> row.value().applyAsDouble(m));
    }
}
