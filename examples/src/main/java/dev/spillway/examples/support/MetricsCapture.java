package dev.spillway.examples.support;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A metric reporter that keeps a live reference to every metric of the embedded MiniCluster, so
 * the example's progress line can read them in the same JVM. Flink creates the reporter through
 * {@link MetricsCaptureFactory}; {@link #configure} adds it to a configuration.
 *
 * <p>Reading a metric means calling the gauge or counter the backend registered: the numbers are
 * the ones any Flink reporter (JMX, Prometheus) would publish, not a side channel.
 */
public final class MetricsCapture implements MetricReporter {

    /** The reporter name used in the configuration. */
    public static final String NAME = "spillwayprogress";

    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Enables the reporter in the given cluster configuration. */
    public static void configure(org.apache.flink.configuration.Configuration config) {
        config.setString(
                "metrics.reporter." + NAME + ".factory.class",
                MetricsCaptureFactory.class.getName());
    }

    /**
     * Sums, over all subtasks, the numeric metrics whose identifier contains {@code infix} and ends
     * with {@code suffix}.
     */
    public static double sum(String infix, String suffix) {
        double total = 0;
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (e.getKey().endsWith(suffix) && e.getKey().contains(infix)) {
                total += valueOf(e.getValue());
            }
        }
        return total;
    }

    /** The largest value, over all subtasks, of the numeric metrics ending with the suffix. */
    public static double max(String suffix) {
        double max = 0;
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                max = Math.max(max, valueOf(e.getValue()));
            }
        }
        return max;
    }

    /** The current value of every numeric metric ending with the suffix, by identifier. */
    public static Map<String, Double> values(String suffix) {
        Map<String, Double> values = new java.util.HashMap<>();
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                values.put(e.getKey(), valueOf(e.getValue()));
            }
        }
        return values;
    }

    /** Whether any metric with the suffix is registered (the backend in use publishes it). */
    public static boolean has(String suffix) {
        return METRICS.keySet().stream().anyMatch(k -> k.endsWith(suffix));
    }

    private static double valueOf(Metric metric) {
        if (metric instanceof Counter) {
            return ((Counter) metric).getCount();
        }
        if (metric instanceof Gauge) {
            Object value = ((Gauge<?>) metric).getValue();
            return value instanceof Number ? ((Number) value).doubleValue() : 0;
        }
        return 0;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(name), metric);
    }
}
