package dev.spillway.backend;

import dev.spillway.backend.state.ObjectTierStats;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Registers the object tier's figures ({@code spillway.objectTier.*}). The tier belongs to the task
 * thread; a gauge read from the metrics thread sees counters that may be a moment old, never torn
 * (each is one long).
 */
final class ObjectTierGauges {

    private ObjectTierGauges() {}

    static void register(MetricGroup group, Supplier<ObjectTierStats> stats) {
        gauge(group, "capacityBytes", stats, ObjectTierStats::capacityBytes);
        gauge(group, "usedBytes", stats, ObjectTierStats::usedBytes);
        gauge(group, "entries", stats, ObjectTierStats::entries);
        gauge(group, "hits", stats, ObjectTierStats::hits);
        gauge(group, "misses", stats, ObjectTierStats::misses);
        gauge(group, "evictions", stats, ObjectTierStats::evictions);
        gauge(group, "writeBacks", stats, ObjectTierStats::writeBacks);
        group.gauge(
                "hitRatio",
                (Gauge<Double>)
                        () -> {
                            ObjectTierStats now = stats.get();
                            long reads = now.hits() + now.misses();
                            return reads == 0 ? 0.0 : (double) now.hits() / reads;
                        });
    }

    private static void gauge(
            MetricGroup group,
            String name,
            Supplier<ObjectTierStats> stats,
            Function<ObjectTierStats, Long> field) {
        group.gauge(name, (Gauge<Long>) () -> field.apply(stats.get()));
    }
}
