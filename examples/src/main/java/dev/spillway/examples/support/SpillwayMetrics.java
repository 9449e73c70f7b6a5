package dev.spillway.examples.support;

/**
 * Identifier suffixes of the metrics Spillway registers on each keyed operator's metric group:
 * {@code spillway.store.*} per keyed backend and {@code spillway.memory.*} for the slot's memory
 * manager (see docs/tuning.md, "Watching it").
 */
final class SpillwayMetrics {
    static final String ENTRIES_IN_MEMORY = ".spillway.store.entriesInMemory";
    static final String EXECUTION_USED = ".spillway.memory.executionUsedBytes";
    static final String EXECUTION_SIZE = ".spillway.memory.executionPoolBytes";
    static final String EXECUTION_PEAK = ".spillway.memory.executionPeakBytes";
    static final String EVICTED_FOR_EXECUTION = ".spillway.memory.evictedForExecutionBytes";
    static final String STORAGE_USED = ".spillway.memory.storageUsedBytes";
    static final String STORAGE_SIZE = ".spillway.memory.storagePoolBytes";
    static final String EVICTED_BYTES = ".spillway.store.evictedBytes";
    static final String RUNS = ".spillway.store.runs";
    static final String BYTES_ON_DISK = ".spillway.store.bytesOnDisk";
    static final String RUN_GETS = ".spillway.store.runGets";
    static final String BLOCKS_PER_GET = ".spillway.store.blocksReadPerGet";
    static final String BYTES_PER_GET = ".spillway.store.bytesReadPerGet";
    static final String BLOCK_CACHE_HITS = ".spillway.store.blockCacheHits";
    static final String BLOCK_CACHE_MISSES = ".spillway.store.blockCacheMisses";

    private SpillwayMetrics() {}
}
