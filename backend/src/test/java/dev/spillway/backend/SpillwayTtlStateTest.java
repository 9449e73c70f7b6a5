package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.ttl.StateBackendTestContext;
import org.apache.flink.runtime.state.ttl.TtlStateTestBase;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

/**
 * Flink's state TTL suite over Spillway: expiry on read, update semantics, full-snapshot cleanup
 * through the snapshot transformers, restore with TTL.
 */
class SpillwayTtlStateTest extends TtlStateTestBase {

    @Override
    protected StateBackendTestContext createStateBackendTestContext(TtlTimeProvider timeProvider) {
        return new StateBackendTestContext(timeProvider) {
            @Override
            protected StateBackend createStateBackend() {
                return new SpillwayStateBackend(new ReferenceStoreFactory());
            }
        };
    }
}
