package dev.spillway.backend;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.internal.InternalValueState;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.util.IOUtils;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The production store reports its store, memory and object-tier gauges under the backend's group. */
class SpillwayMetricsTest {

    @Test
    void storeAndMemoryGaugesAreRegisteredUnderSpillway() throws Exception {
        Map<String, Metric> metrics = new HashMap<>();
        MockEnvironment env = MockEnvironment.builder().build();
        SpillwayKeyedStateBackend<Long> backend =
                new SpillwayStateBackend()
                        .createKeyedStateBackend(
                                new KeyedStateBackendParametersImpl<>(
                                        env,
                                        new JobID(),
                                        "metrics-test",
                                        LongSerializer.INSTANCE,
                                        16,
                                        new KeyGroupRange(0, 15),
                                        env.getTaskKvStateRegistry(),
                                        TtlTimeProvider.DEFAULT,
                                        new RecordingGroup("", metrics),
                                        Collections.emptyList(),
                                        new CloseableRegistry()));
        try {
            InternalValueState<Long, VoidNamespace, Long> state =
                    backend.createOrUpdateInternalState(
                            VoidNamespaceSerializer.INSTANCE,
                            new ValueStateDescriptor<>("value", LongSerializer.INSTANCE));
            state.setCurrentNamespace(VoidNamespace.INSTANCE);
            for (long key = 0; key < 100; key++) {
                backend.setCurrentKey(key);
                state.update(key);
            }

            // The updates are in the object tier until something reads the whole store.
            assertThat(value(metrics, "spillway.objectTier.entries")).isEqualTo(100L);
            assertThat((Long) value(metrics, "spillway.objectTier.usedBytes")).isPositive();
            assertThat(value(metrics, "spillway.store.entriesInMemory")).isEqualTo(0L);
            assertThat(backend.numKeyValueStateEntries()).isEqualTo(100);
            assertThat(value(metrics, "spillway.objectTier.writeBacks")).isEqualTo(100L);
            assertThat(value(metrics, "spillway.store.entriesInMemory")).isEqualTo(100L);
            assertThat((Long) value(metrics, "spillway.store.bytesInMemory")).isPositive();
            assertThat(metrics).containsKeys("spillway.store.spills", "spillway.store.runs");
            assertThat((Long) value(metrics, "spillway.memory.budgetBytes")).isPositive();
            assertThat((Long) value(metrics, "spillway.memory.storageUsedBytes")).isPositive();
        } finally {
            backend.dispose();
            IOUtils.closeQuietly(backend);
            env.close();
        }
    }

    private static Object value(Map<String, Metric> metrics, String name) {
        assertThat(metrics).containsKey(name);
        return ((Gauge<?>) metrics.get(name)).getValue();
    }

    /** Remembers every metric registered below it by its dotted path. */
    private static final class RecordingGroup extends UnregisteredMetricsGroup {
        private final String prefix;
        private final Map<String, Metric> metrics;

        RecordingGroup(String prefix, Map<String, Metric> metrics) {
            this.prefix = prefix;
            this.metrics = metrics;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new RecordingGroup(prefix + name + ".", metrics);
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(prefix + name, gauge);
            return gauge;
        }
    }
}
