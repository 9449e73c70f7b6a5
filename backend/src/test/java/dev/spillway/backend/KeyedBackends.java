package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

import java.util.Collection;
import java.util.Collections;

/** Builds Spillway keyed backends outside Flink's test harnesses. */
final class KeyedBackends {

    private KeyedBackends() {}

    static <K> SpillwayKeyedStateBackend<K> create(
            TypeSerializer<K> keySerializer, int numberOfKeyGroups, KeyGroupRange range)
            throws Exception {
        return restore(keySerializer, numberOfKeyGroups, range, Collections.emptyList());
    }

    static <K> SpillwayKeyedStateBackend<K> restore(
            TypeSerializer<K> keySerializer,
            int numberOfKeyGroups,
            KeyGroupRange range,
            Collection<KeyedStateHandle> handles)
            throws Exception {
        return create(
                new ReferenceStoreFactory(),
                TtlTimeProvider.DEFAULT,
                keySerializer,
                numberOfKeyGroups,
                range,
                handles);
    }

    static <K> SpillwayKeyedStateBackend<K> create(
            StateStoreFactory store,
            TtlTimeProvider timeProvider,
            TypeSerializer<K> keySerializer,
            int numberOfKeyGroups,
            KeyGroupRange range,
            Collection<KeyedStateHandle> handles)
            throws Exception {
        return create(
                new SpillwayStateBackend(store),
                timeProvider,
                keySerializer,
                numberOfKeyGroups,
                range,
                handles);
    }

    /** A keyed backend of the given (configured) state backend. */
    static <K> SpillwayKeyedStateBackend<K> create(
            SpillwayStateBackend backend,
            TtlTimeProvider timeProvider,
            TypeSerializer<K> keySerializer,
            int numberOfKeyGroups,
            KeyGroupRange range,
            Collection<KeyedStateHandle> handles)
            throws Exception {
        MockEnvironment env = MockEnvironment.builder().build();
        return backend
                .createKeyedStateBackend(
                        new KeyedStateBackendParametersImpl<>(
                                env,
                                new JobID(),
                                "test-operator",
                                keySerializer,
                                numberOfKeyGroups,
                                range,
                                env.getTaskKvStateRegistry(),
                                timeProvider,
                                new UnregisteredMetricsGroup(),
                                handles,
                                new CloseableRegistry()));
    }
}
