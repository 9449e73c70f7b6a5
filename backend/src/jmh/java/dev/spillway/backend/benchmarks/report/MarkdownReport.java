package dev.spillway.backend.benchmarks.report;

import dev.spillway.backend.benchmarks.BackendUnderTest;
import dev.spillway.backend.benchmarks.KeyDistribution;
import dev.spillway.backend.benchmarks.StateSize;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

import static dev.spillway.backend.benchmarks.BackendUnderTest.HEAP;
import static dev.spillway.backend.benchmarks.BackendUnderTest.ROCKSDB;
import static dev.spillway.backend.benchmarks.BackendUnderTest.SPILLWAY;

/**
 * Renders {@link StateBenchmarkResults} as Markdown: one table of throughputs with the ratios of
 * Spillway to rocksdb and to hashmap, and one table of where Spillway stands against the targets
 * of the benchmark issue.
 */
final class MarkdownReport {

    /** A target ratio of Spillway to a baseline backend on a set of cases. */
    private record Target(
            String description,
            Predicate<BenchmarkCase> applies,
            BackendUnderTest baseline,
            double atLeast) {}

    private static final Predicate<BenchmarkCase> VALUE_GET_OR_UPDATE_WITHIN_BUDGET =
            c ->
                    c.size() == StateSize.FITS_BUDGET
                            && (c.operation().equals("valueGet")
                                    || c.operation().equals("valueUpdate"));

    private static final List<Target> TARGETS =
            List.of(
                    new Target(
                            "state within budget: ValueState get/update ≥ 3× rocksdb",
                            VALUE_GET_OR_UPDATE_WITHIN_BUDGET,
                            ROCKSDB,
                            3.0),
                    new Target(
                            "state within budget: ValueState get/update ≥ 0.5× hashmap",
                            VALUE_GET_OR_UPDATE_WITHIN_BUDGET,
                            HEAP,
                            0.5),
                    new Target(
                            "state 10× budget, Zipfian: ≥ 2× rocksdb",
                            c ->
                                    c.size() == StateSize.TEN_X_BUDGET
                                            && c.distribution() == KeyDistribution.ZIPFIAN,
                            ROCKSDB,
                            2.0));

    private MarkdownReport() {}

    static String render(StateBenchmarkResults results) {
        StringBuilder md = new StringBuilder();
        md.append("Throughput in operations per millisecond (higher is better), mean ± 99.9% ")
                .append("error over the measurement iterations. Budget = ")
                .append(StateSize.BUDGET_MB)
                .append(" MiB of managed memory.\n\n");
        md.append("| state | operation | state size | key access |");
        for (BackendUnderTest backend : BackendUnderTest.values()) {
            md.append(' ').append(backend.displayName()).append(" |");
        }
        md.append(" spillway / rocksdb | spillway / hashmap | rocksdb / hashmap |\n");
        md.append("|---|---|---|---|");
        md.append("---:|".repeat(BackendUnderTest.values().length + 3)).append('\n');
        for (BenchmarkCase c : results.cases()) {
            md.append("| ")
                    .append(c.stateType())
                    .append(" | ")
                    .append(c.operation())
                    .append(" | ")
                    .append(sizeLabel(c.size()))
                    .append(" | ")
                    .append(c.distribution().name().toLowerCase(Locale.ROOT))
                    .append(" |");
            for (BackendUnderTest backend : BackendUnderTest.values()) {
                md.append(' ').append(results.measurement(c, backend).display()).append(" |");
            }
            md.append(' ').append(ratio(results.ratio(c, SPILLWAY, ROCKSDB))).append(" |");
            md.append(' ').append(ratio(results.ratio(c, SPILLWAY, HEAP))).append(" |");
            md.append(' ').append(ratio(results.ratio(c, ROCKSDB, HEAP))).append(" |\n");
        }
        md.append('\n').append(renderTargets(results));
        return md.toString();
    }

    private static String renderTargets(StateBenchmarkResults results) {
        StringBuilder md = new StringBuilder();
        md.append("| target | operation | state size | key access | measured | status |\n");
        md.append("|---|---|---|---|---:|---|\n");
        for (Target target : TARGETS) {
            for (BenchmarkCase c : results.cases()) {
                if (!target.applies().test(c)) {
                    continue;
                }
                Optional<Double> ratio = results.ratio(c, SPILLWAY, target.baseline());
                String status =
                        ratio.map(r -> r >= target.atLeast() ? "met" : "not met")
                                .orElse(
                                        "not measured: spillway "
                                                + results.measurement(c, SPILLWAY).display());
                md.append("| ")
                        .append(target.description())
                        .append(" | ")
                        .append(c.operation())
                        .append(" | ")
                        .append(sizeLabel(c.size()))
                        .append(" | ")
                        .append(c.distribution().name().toLowerCase(Locale.ROOT))
                        .append(" | ")
                        .append(ratio(ratio))
                        .append(" | ")
                        .append(status)
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    private static String sizeLabel(StateSize size) {
        return String.format(Locale.ROOT, "%s (%.0f MiB)", size.label(), size.payloadMb());
    }

    private static String ratio(Optional<Double> ratio) {
        return ratio.map(r -> String.format(Locale.ROOT, "%.2f×", r)).orElse("—");
    }
}
