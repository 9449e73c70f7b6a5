package dev.spillway.backend.state;

/**
 * A reading of the object tier's gauges.
 *
 * @param capacityBytes the estimated heap bytes it may hold
 * @param usedBytes the estimated heap bytes it holds
 * @param entries values it holds
 * @param hits reads it served
 * @param misses reads of tiered states it sent to the store
 * @param evictions values it dropped to stay within capacity
 * @param writeBacks values it serialized into the store (on eviction or flush)
 */
public record ObjectTierStats(
        long capacityBytes,
        long usedBytes,
        long entries,
        long hits,
        long misses,
        long evictions,
        long writeBacks) {}
