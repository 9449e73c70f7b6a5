package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

/** The gauges report the pools and what the manager had to do. */
class MemoryMetricsTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;

    @Test
    void gaugesFollowThePools() {
        UnifiedMemoryManager manager =
                new UnifiedMemoryManager(8 * PAGE, MemorySettings.defaults().withPageSize(PAGE));
        MemoryClient client = manager.newClient("backend");
        Map<String, Gauge<?>> gauges = new HashMap<>();
        MemoryMetrics.register(
                new UnregisteredMetricsGroup() {
                    @Override
                    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
                        gauges.put(name, gauge);
                        return gauge;
                    }
                },
                client);

        TestConsumer cache = TestConsumer.storage(client, "cache");
        TestConsumer sort = TestConsumer.execution(client, "sort");
        cache.addPages(6);
        assertThat(value(gauges, "budgetBytes")).isEqualTo(8L * PAGE);
        assertThat(value(gauges, "storageFloorBytes")).isEqualTo(4L * PAGE);
        assertThat(value(gauges, "storageUsedBytes")).isEqualTo(6L * PAGE);
        assertThat(value(gauges, "storagePoolBytes")).isEqualTo(6L * PAGE);
        assertThat(value(gauges, "storageBorrowedBytes")).isEqualTo(2L * PAGE);
        assertThat(value(gauges, "executionPoolBytes")).isEqualTo(2L * PAGE);
        assertThat(value(gauges, "pagesInUse")).isEqualTo(6L);
        assertThat(value(gauges, "clientPagesInUse")).isEqualTo(6L);

        sort.addPages(4); // evicts 2 pages of storage
        assertThat(value(gauges, "executionUsedBytes")).isEqualTo(4L * PAGE);
        assertThat(value(gauges, "evictions")).isEqualTo(2L);
        assertThat(value(gauges, "evictedBytes")).isEqualTo(2L * PAGE);
        assertThat(value(gauges, "clientUsedBytes")).isEqualTo(8L * PAGE);

        sort.addPages(1); // over its cap: spills itself
        assertThat(value(gauges, "spills")).isEqualTo(1L);
        assertThat(value(gauges, "spilledBytes")).isEqualTo((long) PAGE);
        assertThat(value(gauges, "executionBorrowedBytes")).isZero();
        assertThat(value(gauges, "waitTimeMs")).isZero();
        assertThat(value(gauges, "failedRequests")).isZero();
        assertThat(value(gauges, "executionPeakBytes")).isEqualTo(4L * PAGE);
        assertThat(value(gauges, "evictedForExecutionBytes")).isEqualTo(2L * PAGE);
        assertThat(value(gauges, "offHeapUsedBytes")).isEqualTo(8L * PAGE);
        assertThat(value(gauges, "onHeapUsedBytes")).isZero();
        assertThat(value(gauges, "unreservedBytes")).isZero();
        assertThat(gauges).hasSize(22);

        cache.freeAll();
        sort.freeAll();
        client.close();
        manager.close();
    }

    private static long value(Map<String, Gauge<?>> gauges, String name) {
        assertThat(gauges).containsKey(name);
        return (Long) gauges.get(name).getValue();
    }
}
