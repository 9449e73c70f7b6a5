package dev.spillway.backend;

/**
 * Flink's state TTL suite on the production store with the object tier off
 * (MEMORY_AND_DISK_SER).
 */
class SpillwayTtlStateSerializedTest extends SpillwayTtlStateOnSpillableStoreTest {

    @Override
    ConformanceSuites.Tier tier() {
        return ConformanceSuites.Tier.SERIALIZED;
    }
}
