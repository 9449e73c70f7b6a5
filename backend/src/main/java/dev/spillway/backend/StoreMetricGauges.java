package dev.spillway.backend;

import dev.spillway.backend.store.StoreMetrics;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Registers a store's {@link StoreMetrics} as gauges. Gauges rather than counters because the store
 * keeps its own monotonic counts and reporters read them from their own thread.
 */
final class StoreMetricGauges {

    private StoreMetricGauges() {}

    static void register(MetricGroup group, StoreMetrics metrics) {
        gauge(group, "entriesInMemory", metrics::entriesInMemory);
        gauge(group, "bytesInMemory", metrics::bytesInMemory);
        gauge(group, "runs", metrics::runCount);
        gauge(group, "bytesOnDisk", metrics::bytesOnDisk);
        gauge(group, "evictedEntries", metrics::evictedEntries);
        gauge(group, "evictedBytes", metrics::evictedBytes);
        gauge(group, "spills", metrics::spills);
        gauge(group, "compactions", metrics::compactions);
        gauge(group, "compactionPending", metrics::compactionPending);
        gauge(group, "bytesWrittenToDisk", metrics::bytesWrittenToDisk);
        gauge(group, "promotions", metrics::promotions);
        gauge(group, "writeStalls", metrics::writeStalls);
        gauge(group, "writeStallMillis", metrics::writeStallMillis);
        gauge(group, "blockCacheHits", metrics::blockCacheHits);
        gauge(group, "blockCacheMisses", metrics::blockCacheMisses);
        group.gauge("blockCacheHitRatio", (Gauge<Double>) () -> hitRatio(metrics));
        gauge(group, "blockCacheBytes", metrics::blockCacheBytes);
        gauge(group, "runGets", metrics::runGets);
        group.gauge(
                "blocksReadPerGet",
                (Gauge<Double>) () -> perRunGet(metrics.runGetBlocks(), metrics));
        group.gauge(
                "bytesReadPerGet",
                (Gauge<Double>) () -> perRunGet(metrics.runGetDiskBytes(), metrics));
    }

    /** Per point read that reached the runs; reads served by the memtable touch no block. */
    private static double perRunGet(long count, StoreMetrics metrics) {
        long gets = metrics.runGets();
        return gets == 0 ? 0.0 : (double) count / gets;
    }

    private static double hitRatio(StoreMetrics metrics) {
        long hits = metrics.blockCacheHits();
        long total = hits + metrics.blockCacheMisses();
        return total == 0 ? 0.0 : (double) hits / total;
    }

    private static void gauge(MetricGroup group, String name, Gauge<Long> gauge) {
        group.gauge(name, gauge);
    }
}
