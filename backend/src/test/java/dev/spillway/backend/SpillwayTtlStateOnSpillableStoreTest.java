package dev.spillway.backend;

/** Flink's state TTL suite over the production store in the test environment's managed memory. */
class SpillwayTtlStateOnSpillableStoreTest extends SpillwayTtlStateTest {

    @Override
    StateStoreFactory storeFactory() {
        return SpillableStoreFactory.withDefaults();
    }
}
