package dev.spillway.backend.memory;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Registers the memory manager's gauges on a Flink {@link MetricGroup}. The values are slot-wide
 * (the manager is shared by the slot's keyed backends), except {@code clientPagesInUse} and {@code
 * clientUsedBytes}, which belong to the backend that registered them.
 *
 * <p>Counts of events (evictions, spills, wait time) are monotonic gauges rather than Flink {@code
 * Counter}s, because several backends report the same slot-wide numbers and a counter per backend
 * would be counted as many times as there are backends.
 */
public final class MemoryMetrics {

    private MemoryMetrics() {}

    /**
     * Registers the gauges under {@code group}; typically {@code
     * backendMetricGroup.addGroup("spillway").addGroup("memory")}.
     */
    public static void register(MetricGroup group, MemoryClient client) {
        UnifiedMemoryManager manager = client.manager();
        MemoryStats stats = manager.stats();
        gauge(group, "budgetBytes", manager::budget);
        gauge(group, "storageFloorBytes", manager::storageFloor);
        gauge(group, "executionPoolBytes", manager::executionPoolSize);
        gauge(group, "executionUsedBytes", manager::executionUsed);
        gauge(group, "storagePoolBytes", manager::storagePoolSize);
        gauge(group, "storageUsedBytes", manager::storageUsed);
        gauge(group, "storageBorrowedBytes", manager::storageBorrowed);
        gauge(group, "executionBorrowedBytes", manager::executionBorrowed);
        gauge(group, "executionPeakBytes", manager::executionPeak);
        gauge(group, "evictedForExecutionBytes", stats::evictedForExecutionBytes);
        gauge(group, "unreservedBytes", stats::unreservedBytes);
        gauge(group, "offHeapUsedBytes", manager::offHeapUsed);
        gauge(group, "onHeapUsedBytes", manager::onHeapUsed);
        gauge(group, "evictions", stats::evictions);
        gauge(group, "evictedBytes", stats::evictedBytes);
        gauge(group, "spills", stats::spills);
        gauge(group, "spilledBytes", stats::spilledBytes);
        gauge(group, "waitTimeMs", () -> stats.waitNanos() / 1_000_000);
        gauge(group, "failedRequests", stats::failedRequests);
        gauge(group, "pagesInUse", () -> (long) manager.pagesInUse());
        gauge(group, "clientPagesInUse", () -> (long) client.pagesInUse());
        gauge(group, "clientUsedBytes", client::usedBytes);
    }

    private static void gauge(MetricGroup group, String name, Gauge<Long> gauge) {
        group.gauge(name, gauge);
    }
}
