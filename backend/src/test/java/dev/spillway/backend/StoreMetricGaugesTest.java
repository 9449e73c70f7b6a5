package dev.spillway.backend;

import dev.spillway.backend.store.StoreMetrics;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The read-path gauges divide the store's counters per point read that reached the runs. */
class StoreMetricGaugesTest {

    private final Map<String, Gauge<?>> gauges = new HashMap<>();

    private final UnregisteredMetricsGroup group =
            new UnregisteredMetricsGroup() {
                @Override
                public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
                    gauges.put(name, gauge);
                    return gauge;
                }
            };

    @Test
    void readPathGaugesArePerRunGet() {
        Map<String, Long> counters = new HashMap<>();
        counters.put("runGets", 4L);
        counters.put("runGetBlocks", 6L);
        counters.put("runGetDiskBytes", 8192L);
        counters.put("blockCacheHits", 3L);
        counters.put("blockCacheMisses", 1L);
        counters.put("blockCacheBytes", 40960L);
        StoreMetricGauges.register(group, metrics(counters));

        assertThat(value("runGets")).isEqualTo(4L);
        assertThat(value("blocksReadPerGet")).isEqualTo(1.5);
        assertThat(value("bytesReadPerGet")).isEqualTo(2048.0);
        assertThat(value("blockCacheHitRatio")).isEqualTo(0.75);
        assertThat(value("blockCacheBytes")).isEqualTo(40960L);
    }

    @Test
    void noRunGetsMeansZeroNotNaN() {
        gauges.clear();
        StoreMetricGauges.register(group, metrics(new HashMap<>()));
        assertThat(value("blocksReadPerGet")).isEqualTo(0.0);
        assertThat(value("bytesReadPerGet")).isEqualTo(0.0);
    }

    private Object value(String name) {
        return gauges.get(name).getValue();
    }

    private static StoreMetrics metrics(Map<String, Long> counters) {
        return (StoreMetrics)
                Proxy.newProxyInstance(
                        StoreMetrics.class.getClassLoader(),
                        new Class<?>[] {StoreMetrics.class},
                        (proxy, method, args) -> counters.getOrDefault(method.getName(), 0L));
    }
}
