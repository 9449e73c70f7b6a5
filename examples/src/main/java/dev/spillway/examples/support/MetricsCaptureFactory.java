package dev.spillway.examples.support;

import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.Properties;

/** Creates the {@link MetricsCapture} reporter; found by Flink through the service loader. */
public final class MetricsCaptureFactory implements MetricReporterFactory {

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new MetricsCapture();
    }
}
