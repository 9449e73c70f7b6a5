package dev.spillway.backend.benchmarks;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A metric group that keeps the gauges registered in it and its subgroups, by dotted name
 * ({@code spillway.store.bytesInMemory}), so a benchmark can read a backend's own figures.
 */
final class CapturedGauges extends UnregisteredMetricsGroup {

    private final Map<String, Gauge<?>> gauges;
    private final String prefix;

    CapturedGauges() {
        this(new ConcurrentHashMap<>(), "");
    }

    private CapturedGauges(Map<String, Gauge<?>> gauges, String prefix) {
        this.gauges = gauges;
        this.prefix = prefix;
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        gauges.put(prefix + name, gauge);
        return gauge;
    }

    @Override
    public MetricGroup addGroup(String name) {
        return new CapturedGauges(gauges, prefix + name + ".");
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
        return new CapturedGauges(gauges, prefix + key + "." + value + ".");
    }

    /** Whether some gauge's dotted name ends with {@code suffix}. */
    boolean has(String suffix) {
        for (String name : gauges.keySet()) {
            if (name.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The value of a gauge whose dotted name ends with {@code suffix}, as registered. */
    Number number(String suffix) {
        for (Map.Entry<String, Gauge<?>> entry : gauges.entrySet()) {
            if (entry.getKey().endsWith(suffix)) {
                return (Number) entry.getValue().getValue();
            }
        }
        throw new IllegalStateException("No gauge " + suffix + " among " + gauges.keySet());
    }

    /** The value of a gauge whose dotted name ends with {@code suffix}; fails when none does. */
    long value(String suffix) {
        for (Map.Entry<String, Gauge<?>> entry : gauges.entrySet()) {
            if (entry.getKey().endsWith(suffix)) {
                return ((Number) entry.getValue().getValue()).longValue();
            }
        }
        throw new IllegalStateException("No gauge " + suffix + " among " + gauges.keySet());
    }
}
