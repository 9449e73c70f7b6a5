package dev.spillway.backend;

/**
 * Flink's state TTL suite on the production store with the object tier at 600 bytes, evicting
 * every few operations.
 */
class SpillwayTtlStateTinyTierTest extends SpillwayTtlStateOnSpillableStoreTest {

    @Override
    ConformanceSuites.Tier tier() {
        return ConformanceSuites.Tier.TINY_OBJECTS;
    }
}
