package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.ttl.StateBackendTestContext;
import org.apache.flink.runtime.state.ttl.TtlStateTestBase;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

/**
 * Flink's state TTL suite over Spillway's state layer on the reference store: expiry on read,
 * update semantics, full-snapshot cleanup through the snapshot transformers, restore with TTL.
 * {@link SpillwayTtlStateOnSpillableStoreTest} runs it on the production store.
 */
class SpillwayTtlStateTest extends TtlStateTestBase {

    /** The store the suite runs on. */
    StateStoreFactory storeFactory() {
        return new ReferenceStoreFactory();
    }

    @Override
    protected StateBackendTestContext createStateBackendTestContext(TtlTimeProvider timeProvider) {
        return new StateBackendTestContext(timeProvider) {
            @Override
            protected StateBackend createStateBackend() {
                return new SpillwayStateBackend(storeFactory());
            }
        };
    }
}
