package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

/**
 * What every state of one keyed backend shares: the store, the current-key builder and the facts
 * about the key space. Owned and used by the task thread only.
 */
public final class StateContext<K> {

    private final StateStore store;
    private final StateKeyBuilder<K> keys;
    private final TypeSerializer<K> keySerializer;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final TtlTimeProvider ttlTimeProvider;

    public StateContext(
            StateStore store,
            TypeSerializer<K> keySerializer,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            TtlTimeProvider ttlTimeProvider) {
        this.store = store;
        this.keys = new StateKeyBuilder<>(keySerializer);
        this.keySerializer = keySerializer;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
        this.ttlTimeProvider = ttlTimeProvider;
    }

    public StateStore store() {
        return store;
    }

    public StateKeyBuilder<K> keys() {
        return keys;
    }

    public TypeSerializer<K> keySerializer() {
        return keySerializer;
    }

    public KeyGroupRange keyGroupRange() {
        return keyGroupRange;
    }

    public int numberOfKeyGroups() {
        return numberOfKeyGroups;
    }

    TtlTimeProvider ttlTimeProvider() {
        return ttlTimeProvider;
    }
}
