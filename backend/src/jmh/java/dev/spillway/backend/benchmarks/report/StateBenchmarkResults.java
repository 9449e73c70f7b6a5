package dev.spillway.backend.benchmarks.report;

import dev.spillway.backend.benchmarks.BackendUnderTest;
import dev.spillway.backend.benchmarks.KeyDistribution;
import dev.spillway.backend.benchmarks.StateSize;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The results of one run of the state benchmarks: JMH's JSON ({@code -rf json}) for the
 * throughputs; for the cases without one, the outcome file of {@code BenchmarkOutcomes} (setup
 * that ran out of heap, a backend not in this build) and, failing that, the exception JMH printed
 * for the failed fork in its console output. A case with neither shows as "failed (see JMH log)".
 */
final class StateBenchmarkResults {

    private static final String FAILED = "failed (see JMH log)";

    private final Map<BenchmarkCase, Map<BackendUnderTest, Measurement>> cases;

    private StateBenchmarkResults(Map<BenchmarkCase, Map<BackendUnderTest, Measurement>> cases) {
        this.cases = cases;
    }

    static StateBenchmarkResults load(
            Path jmhJson, Optional<Path> outcomes, Optional<Path> jmhConsoleLog)
            throws IOException {
        Builder builder = new Builder();
        if (jmhConsoleLog.isPresent()) {
            JmhConsoleFailures.read(jmhConsoleLog.get(), builder::add);
        }
        JsonNode runs = new ObjectMapper().readTree(jmhJson.toFile());
        if (!runs.isArray()) {
            throw new IOException(jmhJson + " is not JMH JSON output (expected an array of runs)");
        }
        for (JsonNode run : runs) {
            JsonNode params = run.path("params");
            JsonNode metric = run.path("primaryMetric");
            if (!"ops/ms".equals(metric.path("scoreUnit").asText())) {
                throw new IOException(
                        "Expected throughput in ops/ms in "
                                + jmhJson
                                + ", found "
                                + metric.path("scoreUnit").asText());
            }
            String benchmark = run.path("benchmark").asText();
            String backend = params.path("backend").asText();
            String distribution = params.path("distribution").asText();
            String size = params.path("stateSize").asText();
            int planned = run.path("measurementIterations").asInt();
            int completed = metric.path("rawData").path(0).size();
            if (completed < planned) {
                // JMH keeps the iterations a fork completed before it failed: not a result.
                String outcome =
                        String.format(
                                Locale.ROOT, "failed after %d of %d iterations", completed, planned);
                builder.addUnlessExplained(
                        benchmark, backend, distribution, size, Measurement.outcome(outcome));
                continue;
            }
            builder.add(
                    benchmark,
                    backend,
                    distribution,
                    size,
                    Measurement.throughput(
                            metric.path("score").asDouble(), metric.path("scoreError").asDouble()));
        }
        if (outcomes.isPresent()) {
            for (String line : Files.readAllLines(outcomes.get(), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    throw new IOException("Malformed line in " + outcomes.get() + ": " + line);
                }
                builder.add(f[0], f[1], f[2], f[3], Measurement.outcome(f[4]));
            }
        }
        return new StateBenchmarkResults(builder.build());
    }

    /** Every case in report order. */
    List<BenchmarkCase> cases() {
        return new ArrayList<>(cases.keySet());
    }

    /** What {@code backend} achieved on {@code benchmarkCase}. */
    Measurement measurement(BenchmarkCase benchmarkCase, BackendUnderTest backend) {
        Measurement m = cases.getOrDefault(benchmarkCase, Map.of()).get(backend);
        return m != null ? m : Measurement.outcome(FAILED);
    }

    /** {@code numerator / denominator} throughput, when both backends have one. */
    Optional<Double> ratio(
            BenchmarkCase benchmarkCase, BackendUnderTest numerator, BackendUnderTest denominator) {
        Measurement n = measurement(benchmarkCase, numerator);
        Measurement d = measurement(benchmarkCase, denominator);
        if (!n.hasThroughput() || !d.hasThroughput() || d.opsPerMs() <= 0) {
            return Optional.empty();
        }
        return Optional.of(n.opsPerMs() / d.opsPerMs());
    }

    /**
     * Collects measurements; a later one replaces an earlier one for the same case unless the
     * earlier one is a throughput (the inputs are read from least to most specific).
     */
    private static final class Builder implements JmhConsoleFailures.Sink {
        private final Map<BenchmarkCase, Map<BackendUnderTest, Measurement>> cases =
                new TreeMap<>(BenchmarkCase.REPORT_ORDER);

        @Override
        public void add(
                String benchmark,
                String backend,
                String distribution,
                String size,
                Measurement measurement) {
            measurementsOf(benchmark, distribution, size)
                    .merge(
                            BackendUnderTest.valueOf(backend),
                            measurement,
                            (earlier, later) -> earlier.hasThroughput() ? earlier : later);
        }

        /** Adds an outcome only where no earlier input explained the case. */
        void addUnlessExplained(
                String benchmark,
                String backend,
                String distribution,
                String size,
                Measurement measurement) {
            measurementsOf(benchmark, distribution, size)
                    .putIfAbsent(BackendUnderTest.valueOf(backend), measurement);
        }

        private Map<BackendUnderTest, Measurement> measurementsOf(
                String benchmark, String distribution, String size) {
            BenchmarkCase benchmarkCase =
                    BenchmarkCase.of(
                            benchmark,
                            StateSize.valueOf(size),
                            KeyDistribution.valueOf(distribution));
            return cases.computeIfAbsent(
                    benchmarkCase, c -> new EnumMap<>(BackendUnderTest.class));
        }

        Map<BenchmarkCase, Map<BackendUnderTest, Measurement>> build() {
            return cases;
        }
    }
}
