package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.RestoreOperation;
import org.apache.flink.runtime.state.StateSerializerProvider;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueElement;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.state.restore.FullSnapshotRestoreOperation;
import org.apache.flink.runtime.state.restore.KeyGroup;
import org.apache.flink.runtime.state.restore.KeyGroupEntry;
import org.apache.flink.runtime.state.restore.SavepointRestoreResult;
import org.apache.flink.runtime.state.restore.ThrowingIterator;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Restores canonical full snapshots (Spillway's own checkpoints and savepoints, and canonical
 * savepoints of the hashmap and rocksdb backends) into the store and the timer queues.
 *
 * <p>Flink's {@link FullSnapshotRestoreOperation} reads the handles, checks the key serializer and
 * yields only the key groups of this backend's range, which is what makes rescaling work: each
 * handle contributes its slice. Keyed entries are re-keyed into the store layout ({@link
 * CanonicalKeys}) with their values unchanged; timer entries are deserialized into the heap queues.
 */
public final class SpillwayRestoreOperation<K> implements RestoreOperation<Void> {

    private final FullSnapshotRestoreOperation<K> reader;
    private final StateSerializerProvider<K> keySerializerProvider;
    private final KeyedStateRegistry<K> registry;
    private final StateStore store;
    private final RestoredTimerQueues timerQueues;
    private final CanonicalKeys canonicalKeys;
    private final DataInputDeserializer in = new DataInputDeserializer();

    public SpillwayRestoreOperation(
            Collection<KeyedStateHandle> handles,
            ClassLoader userCodeClassLoader,
            StateSerializerProvider<K> keySerializerProvider,
            KeyedStateRegistry<K> registry,
            StateStore store,
            Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> timerQueues,
            HeapPriorityQueueSetFactory timerQueueFactory,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups) {
        this.reader =
                new FullSnapshotRestoreOperation<>(
                        keyGroupRange, userCodeClassLoader, handles, keySerializerProvider);
        this.keySerializerProvider = keySerializerProvider;
        this.registry = registry;
        this.store = store;
        this.timerQueues =
                new RestoredTimerQueues(
                        timerQueues, timerQueueFactory, keyGroupRange, numberOfKeyGroups);
        this.canonicalKeys = new CanonicalKeys(numberOfKeyGroups);
    }

    @Override
    public Void restore() throws Exception {
        try (ThrowingIterator<SavepointRestoreResult> handles = reader.restore()) {
            while (handles.hasNext()) {
                restoreHandle(handles.next());
            }
        }
        return null;
    }

    /** Where the entries of one kv-state id of a snapshot go. */
    @FunctionalInterface
    private interface EntryTarget {
        void restore(KeyGroupEntry entry) throws IOException;
    }

    private void restoreHandle(SavepointRestoreResult handle) throws Exception {
        TypeSerializer<K> keySerializer = keySerializerProvider.previousSchemaSerializer();
        List<StateMetaInfoSnapshot> metaInfos = handle.getStateMetaInfoSnapshots();
        EntryTarget[] targets = new EntryTarget[metaInfos.size()];
        for (int i = 0; i < targets.length; i++) {
            StateMetaInfoSnapshot metaInfo = metaInfos.get(i);
            if (metaInfo.getBackendStateType()
                    == StateMetaInfoSnapshot.BackendStateType.PRIORITY_QUEUE) {
                HeapPriorityQueueSnapshotRestoreWrapper<?> queue = timerQueues.queue(metaInfo);
                targets[i] = entry -> restoreTimer(queue, entry);
            } else {
                RegisteredKvState state = registry.registerRestored(metaInfo);
                targets[i] = entry -> restoreEntry(state, keySerializer, entry);
            }
        }
        try (ThrowingIterator<KeyGroup> keyGroups = handle.getRestoredKeyGroups()) {
            while (keyGroups.hasNext()) {
                try (ThrowingIterator<KeyGroupEntry> entries =
                        keyGroups.next().getKeyGroupEntries()) {
                    while (entries.hasNext()) {
                        KeyGroupEntry entry = entries.next();
                        targets[entry.getKvStateId()].restore(entry);
                    }
                }
            }
        }
    }

    private void restoreEntry(
            RegisteredKvState state, TypeSerializer<K> keySerializer, KeyGroupEntry entry)
            throws IOException {
        byte[] key =
                canonicalKeys.toStore(
                        entry.getKey(),
                        state.stateId(),
                        keySerializer,
                        state.metaInfo().getNamespaceSerializer());
        byte[] value = entry.getValue();
        store.put(key, key.length, value, 0, value.length);
    }

    private <T extends HeapPriorityQueueElement> void restoreTimer(
            HeapPriorityQueueSnapshotRestoreWrapper<T> queue, KeyGroupEntry entry)
            throws IOException {
        in.setBuffer(entry.getKey());
        in.skipBytesToRead(canonicalKeys.keyGroupPrefixBytes());
        T element = queue.getMetaInfo().getElementSerializer().deserialize(in);
        queue.getPriorityQueue().add(element);
    }
}
