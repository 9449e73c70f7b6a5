package dev.spillway.examples.support;

/**
 * Identifier suffixes of the metrics Spillway registers on each keyed operator's metric group
 * (group {@code spillway}); see docs/configuration.md#metrics.
 */
final class SpillwayMetrics {
    static final String ENTRIES = ".spillway.store.entries";
    static final String EXECUTION_USED = ".spillway.memory.execution.used";
    static final String EXECUTION_SIZE = ".spillway.memory.execution.size";
    static final String STORAGE_USED = ".spillway.memory.storage.used";
    static final String STORAGE_SIZE = ".spillway.memory.storage.size";
    static final String SPILLED_BYTES = ".spillway.store.spilledBytes";
    static final String RUNS = ".spillway.store.runs";

    private SpillwayMetrics() {}
}
