package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.ttl.StateBackendTestContext;
import org.apache.flink.runtime.state.ttl.TtlStateTestBase;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flink's state TTL suite over Spillway's state layer on the reference store: expiry on read,
 * update semantics, full-snapshot cleanup through the snapshot transformers, incremental cleanup
 * through the row visitor, restore with TTL. {@link SpillwayTtlStateOnSpillableStoreTest} runs it
 * on the production store.
 */
class SpillwayTtlStateTest extends TtlStateTestBase {

    /** The store the suite runs on. */
    StateStoreFactory storeFactory() {
        return new ReferenceStoreFactory();
    }

    /** The object tier the suite runs with. */
    ConformanceSuites.Tier tier() {
        return ConformanceSuites.Tier.OBJECTS;
    }

    @Override
    protected boolean incrementalCleanupSupported() {
        return true;
    }

    /**
     * {@code testIncrementalCleanupWholeState} checks its result by casting the state to the heap
     * backend's {@code AbstractHeapState} and reading its state table, so it cannot run on another
     * backend; {@code testIncrementalCleanup} covers the same cleanup through the public API.
     * Listed in docs/conformance.md.
     */
    @RegisterExtension
    final InvocationInterceptor heapOnlyTests =
            ConformanceSuites.skipping(
                    "testIncrementalCleanupWholeState", "Inspects the heap backend's state table");

    @Override
    protected StateBackendTestContext createStateBackendTestContext(TtlTimeProvider timeProvider) {
        return new StateBackendTestContext(timeProvider) {
            @Override
            protected StateBackend createStateBackend() {
                return tier().configure(new SpillwayStateBackend(storeFactory()));
            }
        };
    }
}
