package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.RegisteredPriorityQueueStateBackendMetaInfo;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.StateMigrationException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The timer queues of one backend that live in the store, by name. Each takes a store state id
 * from the {@link KeyedStateRegistry}, so timers and keyed states never share one.
 *
 * <p>Asking for a queue that exists (restored, or asked for again) checks the new element
 * serializer as RocksDB does: elements are store keys, so they cannot be migrated, and an
 * incompatible serializer fails; a compatible one replaces the old.
 */
public final class StoreTimerQueues {

    /** Elements per key group kept on the heap, RocksDB's default for its timer cache. */
    public static final int DEFAULT_CACHE_CAPACITY = 128;

    private final Map<String, StoreTimerQueue<?>> queues = new LinkedHashMap<>();
    private final KeyedStateRegistry<?> registry;
    private final StateStore store;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final int cacheCapacity;

    public StoreTimerQueues(
            KeyedStateRegistry<?> registry,
            StateStore store,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            int cacheCapacity) {
        if (cacheCapacity < 1) {
            throw new IllegalArgumentException(
                    "The timer cache holds at least one element per key group, not "
                            + cacheCapacity);
        }
        this.registry = registry;
        this.store = store;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
        this.cacheCapacity = cacheCapacity;
    }

    /** The queue of that name, created or with its serializer updated. */
    @SuppressWarnings("unchecked")
    public <T> StoreTimerQueue<T> createOrUpdate(
            String name, TypeSerializer<T> elementSerializer, boolean allowFutureMetadataUpdates) {
        StoreTimerQueue<T> existing = (StoreTimerQueue<T>) queues.get(name);
        if (existing == null) {
            RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo =
                    new RegisteredPriorityQueueStateBackendMetaInfo<>(name, elementSerializer);
            return add(
                    allowFutureMetadataUpdates
                            ? metaInfo.withSerializerUpgradesAllowed()
                            : metaInfo);
        }
        RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo = existing.metaInfo();
        if (metaInfo.getPreviousElementSerializer() != elementSerializer) {
            TypeSerializerSchemaCompatibility<T> compatibility =
                    metaInfo.updateElementSerializer(elementSerializer);
            if (compatibility.isIncompatible()) {
                throw new FlinkRuntimeException(
                        new StateMigrationException(
                                "The new serializer ("
                                        + elementSerializer
                                        + ") of timer queue '"
                                        + name
                                        + "' is incompatible with the one it was written with;"
                                        + " timers are stored serialized and cannot be"
                                        + " migrated."));
            }
            metaInfo = new RegisteredPriorityQueueStateBackendMetaInfo<>(name, elementSerializer);
        }
        existing.setMetaInfo(
                allowFutureMetadataUpdates ? metaInfo.withSerializerUpgradesAllowed() : metaInfo);
        return existing;
    }

    /** Registers a queue found in a snapshot being restored; the first handle registers it. */
    public StoreTimerQueue<?> registerRestored(StateMetaInfoSnapshot snapshot) {
        StoreTimerQueue<?> existing = queues.get(snapshot.getName());
        return existing != null
                ? existing
                : add(new RegisteredPriorityQueueStateBackendMetaInfo<>(snapshot));
    }

    private <T> StoreTimerQueue<T> add(RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo) {
        StoreTimerQueue<T> queue =
                new StoreTimerQueue<>(
                        registry.newStateId(metaInfo.getName()),
                        metaInfo,
                        store,
                        keyGroupRange,
                        numberOfKeyGroups,
                        cacheCapacity);
        queues.put(metaInfo.getName(), queue);
        return queue;
    }

    /** All queues, in state-id order. */
    public List<StoreTimerQueue<?>> all() {
        return new ArrayList<>(queues.values());
    }
}
