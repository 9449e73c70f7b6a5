package dev.spillway.backend.benchmarks.report;

import java.util.Locale;

/**
 * What one backend achieved on one {@link BenchmarkCase}: a throughput, or the outcome that took
 * its place (out of memory, not available on this build).
 */
record Measurement(double opsPerMs, double error, String outcome) {

    static Measurement throughput(double opsPerMs, double error) {
        return new Measurement(opsPerMs, error, null);
    }

    static Measurement outcome(String outcome) {
        return new Measurement(Double.NaN, Double.NaN, outcome);
    }

    boolean hasThroughput() {
        return outcome == null;
    }

    /** {@code 1,234.5 ± 6.7}, or the outcome. */
    String display() {
        if (!hasThroughput()) {
            return outcome;
        }
        String score = String.format(Locale.ROOT, "%,.1f", opsPerMs);
        return Double.isNaN(error)
                ? score
                : score + String.format(Locale.ROOT, " ± %,.1f", error);
    }
}
