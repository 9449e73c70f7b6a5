package org.apache.flink.test.state;

import dev.spillway.backend.SpillwayStateBackend;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.Collection;

/**
 * Flink's canonical-savepoint interop test: a savepoint with value, list and map state and timers
 * written by one backend is restored by another. Lives in Flink's package because the base class
 * and the hashmap/rocksdb specs are package-private. Spillway runs with its production store.
 */
@ExtendWith(ParameterizedTestExtension.class)
public class SpillwaySavepointStateBackendSwitchTest extends SavepointStateBackendSwitchTestBase {

    private static final BackendSwitchSpecs.BackendSwitchSpec SPILLWAY = new SpillwaySpec();

    public SpillwaySavepointStateBackendSwitchTest(
            BackendSwitchSpecs.BackendSwitchSpec from, BackendSwitchSpecs.BackendSwitchSpec to) {
        super(from, to);
    }

    @Parameters(name = "{0} -> {1}")
    public static Collection<Object[]> switches() {
        return Arrays.asList(
                new Object[] {BackendSwitchSpecs.HEAP, SPILLWAY},
                new Object[] {SPILLWAY, BackendSwitchSpecs.ROCKS},
                new Object[] {BackendSwitchSpecs.ROCKS, SPILLWAY},
                new Object[] {SPILLWAY, BackendSwitchSpecs.HEAP},
                new Object[] {BackendSwitchSpecs.ROCKS_HEAP_TIMERS, SPILLWAY},
                new Object[] {SPILLWAY, SPILLWAY});
    }

    private static final class SpillwaySpec implements BackendSwitchSpecs.BackendSwitchSpec {

        @Override
        public CheckpointableKeyedStateBackend<String> createBackend(
                KeyGroupRange keyGroupRange,
                int numKeyGroups,
                Collection<KeyedStateHandle> stateHandles)
                throws Exception {
            MockEnvironment env = MockEnvironment.builder().build();
            return new SpillwayStateBackend()
                    .createKeyedStateBackend(
                            new KeyedStateBackendParametersImpl<>(
                                    env,
                                    new JobID(),
                                    "switch-test",
                                    StringSerializer.INSTANCE,
                                    numKeyGroups,
                                    keyGroupRange,
                                    env.getTaskKvStateRegistry(),
                                    TtlTimeProvider.DEFAULT,
                                    new UnregisteredMetricsGroup(),
                                    stateHandles,
                                    new CloseableRegistry()));
        }

        @Override
        public void close() {}

        @Override
        public String toString() {
            return "SPILLWAY";
        }
    }
}
