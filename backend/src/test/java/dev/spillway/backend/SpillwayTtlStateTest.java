package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.ttl.StateBackendTestContext;
import org.apache.flink.runtime.state.ttl.TtlStateTestBase;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.Method;

/**
 * Flink's state TTL suite over Spillway's state layer on the reference store: expiry on read,
 * update semantics, full-snapshot cleanup through the snapshot transformers, incremental cleanup
 * through the row visitor, restore with TTL.
 * {@link SpillwayTtlStateOnSpillableStoreTest} runs it on the production store.
 */
class SpillwayTtlStateTest extends TtlStateTestBase {

    /** The store the suite runs on. */
    StateStoreFactory storeFactory() {
        return new ReferenceStoreFactory();
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
            new InvocationInterceptor() {
                @Override
                public void interceptTestTemplateMethod(
                        Invocation<Void> invocation,
                        ReflectiveInvocationContext<Method> context,
                        ExtensionContext extensionContext)
                        throws Throwable {
                    if (context.getExecutable()
                            .getName()
                            .equals("testIncrementalCleanupWholeState")) {
                        invocation.skip();
                        Assumptions.abort("Inspects the heap backend's state table");
                    }
                    invocation.proceed();
                }
            };

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
