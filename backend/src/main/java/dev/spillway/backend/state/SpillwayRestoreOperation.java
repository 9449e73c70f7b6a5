package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.RestoreOperation;
import org.apache.flink.runtime.state.StateSerializerProvider;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.state.restore.FullSnapshotRestoreOperation;
import org.apache.flink.runtime.state.restore.KeyGroup;
import org.apache.flink.runtime.state.restore.KeyGroupEntry;
import org.apache.flink.runtime.state.restore.SavepointRestoreResult;
import org.apache.flink.runtime.state.restore.ThrowingIterator;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * Restores canonical full snapshots (Spillway's own checkpoints and savepoints, and canonical
 * savepoints of the hashmap and rocksdb backends) into the store and the timer queues.
 *
 * <p>Flink's {@link FullSnapshotRestoreOperation} reads the handles, checks the key serializer and
 * yields only the key groups of this backend's range, which is what makes rescaling work: each
 * handle contributes its slice. Keyed entries are re-keyed into the store layout ({@link
 * CanonicalKeys}) with their values unchanged; timer entries go to the timer queues ({@link
 * RestoredTimerQueues}): as they are into the store, or deserialized into heap queues.
 */
public final class SpillwayRestoreOperation<K> implements RestoreOperation<Void> {

    private final FullSnapshotRestoreOperation<K> reader;
    private final StateSerializerProvider<K> keySerializerProvider;
    private final KeyedStateRegistry<K> registry;
    private final StateStore store;
    private final RestoredTimerQueues timerQueues;
    private final CanonicalKeys canonicalKeys;

    public SpillwayRestoreOperation(
            Collection<KeyedStateHandle> handles,
            ClassLoader userCodeClassLoader,
            StateSerializerProvider<K> keySerializerProvider,
            KeyedStateRegistry<K> registry,
            StateStore store,
            RestoredTimerQueues timerQueues,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups) {
        this.reader =
                new FullSnapshotRestoreOperation<>(
                        keyGroupRange, userCodeClassLoader, handles, keySerializerProvider);
        this.keySerializerProvider = keySerializerProvider;
        this.registry = registry;
        this.store = store;
        this.timerQueues = timerQueues;
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
                RestoredTimerQueues.Sink timers = timerQueues.sink(metaInfo);
                targets[i] = entry -> restoreTimer(timers, entry);
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

    /** A canonical timer key is {@code [key group prefix][element bytes]}. */
    private void restoreTimer(RestoredTimerQueues.Sink timers, KeyGroupEntry entry)
            throws IOException {
        byte[] key = entry.getKey();
        int prefixBytes = canonicalKeys.keyGroupPrefixBytes();
        int keyGroup = prefixBytes == 1 ? key[0] & 0xFF : ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
        timers.add(keyGroup, key, prefixBytes, key.length - prefixBytes);
    }
}
