package dev.spillway.backend.benchmarks.report;

import dev.spillway.backend.benchmarks.KeyDistribution;
import dev.spillway.backend.benchmarks.StateSize;

import java.util.Comparator;
import java.util.List;

/**
 * One row of the report: an operation on one kind of state, at a state size, with a key
 * distribution, measured on every backend.
 *
 * @param stateType the state the operation uses, e.g. {@code ValueState}
 * @param operation the benchmark method, e.g. {@code valueGet}
 */
record BenchmarkCase(
        String stateType, String operation, StateSize size, KeyDistribution distribution) {

    private static final List<String> STATE_TYPE_ORDER =
            List.of("ValueState", "ListState", "MapState");

    static final Comparator<BenchmarkCase> REPORT_ORDER =
            Comparator.comparingInt(BenchmarkCase::stateTypeRank)
                    .thenComparing(BenchmarkCase::stateType)
                    .thenComparing(BenchmarkCase::operation)
                    .thenComparing(BenchmarkCase::size)
                    .thenComparing(BenchmarkCase::distribution);

    /**
     * The case of a JMH benchmark name such as {@code ...benchmarks.ValueStateBenchmark.valueGet}.
     */
    static BenchmarkCase of(String benchmark, StateSize size, KeyDistribution distribution) {
        int methodDot = benchmark.lastIndexOf('.');
        int classDot = benchmark.lastIndexOf('.', methodDot - 1);
        String className = benchmark.substring(classDot + 1, methodDot);
        String stateType =
                className.endsWith("Benchmark")
                        ? className.substring(0, className.length() - "Benchmark".length())
                        : className;
        return new BenchmarkCase(
                stateType, benchmark.substring(methodDot + 1), size, distribution);
    }

    private int stateTypeRank() {
        int rank = STATE_TYPE_ORDER.indexOf(stateType);
        return rank >= 0 ? rank : STATE_TYPE_ORDER.size();
    }
}
