package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreSnapshot;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.CompositeKeySerializationUtils;
import org.apache.flink.runtime.state.FullSnapshotResources;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyValueStateIterator;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.StreamCompressionDecorator;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.util.IOUtils;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * Everything an asynchronous full snapshot reads, captured in the synchronous phase: the store's
 * point-in-time view, copies of the heap timer queues, and the meta info of every state. The
 * kv-state ids of the written snapshot are the positions in {@link #getMetaInfoSnapshots()}: the
 * states in the store (keyed states and store timer queues) in store-id order, then the heap timer
 * queues.
 */
public final class SpillwaySnapshotResources<K> implements FullSnapshotResources<K> {

    private final StoreSnapshot storeSnapshot;
    private final List<StateMetaInfoSnapshot> metaInfoSnapshots;
    private final List<SpillwayKeyValueStateIterator.Source> sources;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final TypeSerializer<K> keySerializer;
    private final StreamCompressionDecorator compression;

    private SpillwaySnapshotResources(
            StoreSnapshot storeSnapshot,
            List<StateMetaInfoSnapshot> metaInfoSnapshots,
            List<SpillwayKeyValueStateIterator.Source> sources,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            TypeSerializer<K> keySerializer,
            StreamCompressionDecorator compression) {
        this.storeSnapshot = storeSnapshot;
        this.metaInfoSnapshots = metaInfoSnapshots;
        this.sources = sources;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
        this.keySerializer = keySerializer;
        this.compression = compression;
    }

    /** Captures the resources; runs on the task thread, cost proportional to the metadata. */
    public static <K> SpillwaySnapshotResources<K> create(
            StateStore store,
            KeyedStateRegistry<K> registry,
            Collection<StoreTimerQueue<?>> storeTimerQueues,
            Collection<HeapPriorityQueueSnapshotRestoreWrapper<?>> timerQueues,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            TypeSerializer<K> keySerializer,
            StreamCompressionDecorator compression)
            throws IOException {
        // States in the store go in store-id order, the order of one scan of the view.
        TreeMap<Integer, StateMetaInfoSnapshot> storedMetaInfos = new TreeMap<>();
        TreeMap<Integer, SpillwayKeyValueStateIterator.Source> storedSources = new TreeMap<>();
        for (RegisteredKvState state : registry.values()) {
            RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo = state.metaInfo();
            storedMetaInfos.put(state.stateId(), metaInfo.snapshot());
            storedSources.put(
                    state.stateId(),
                    SpillwayKeyValueStateIterator.Source.keyed(
                            state.stateId(),
                            CompositeKeySerializationUtils.isAmbiguousKeyPossible(
                                    keySerializer, metaInfo.getNamespaceSerializer()),
                            metaInfo.getStateSnapshotTransformFactory()
                                    .createForSerializedState()
                                    .orElse(null)));
        }
        for (StoreTimerQueue<?> queue : storeTimerQueues) {
            storedMetaInfos.put(queue.stateId(), queue.metaInfo().snapshot());
            storedSources.put(
                    queue.stateId(),
                    SpillwayKeyValueStateIterator.Source.storeTimers(queue.stateId()));
        }
        List<StateMetaInfoSnapshot> metaInfos = new ArrayList<>(storedMetaInfos.values());
        List<SpillwayKeyValueStateIterator.Source> sources =
                new ArrayList<>(storedSources.values());
        for (HeapPriorityQueueSnapshotRestoreWrapper<?> queue : timerQueues) {
            metaInfos.add(queue.getMetaInfo().snapshot());
            sources.add(SpillwayKeyValueStateIterator.Source.timers(queue.stateSnapshot()));
        }
        return new SpillwaySnapshotResources<>(
                store.snapshot(),
                metaInfos,
                sources,
                keyGroupRange,
                numberOfKeyGroups,
                keySerializer.duplicate(),
                compression);
    }

    /**
     * Called by the asynchronous part. The view is persisted first: its in-memory entries become
     * one sorted run, the memtable pages it pinned go back to the task at once, and the stream
     * that follows reads nothing but immutable run files, sequentially, on a reading thread of its
     * own while Flink's writer writes ({@link PrefetchingStateIterator}).
     */
    @Override
    public KeyValueStateIterator createKVStateIterator() throws IOException {
        storeSnapshot.persist();
        return new PrefetchingStateIterator(
                () ->
                        new SpillwayKeyValueStateIterator(
                                storeSnapshot, sources, keyGroupRange, numberOfKeyGroups),
                "spillway-snapshot-scan-" + Thread.currentThread().getName());
    }

    @Override
    public List<StateMetaInfoSnapshot> getMetaInfoSnapshots() {
        return metaInfoSnapshots;
    }

    @Override
    public KeyGroupRange getKeyGroupRange() {
        return keyGroupRange;
    }

    @Override
    public TypeSerializer<K> getKeySerializer() {
        return keySerializer;
    }

    @Override
    public StreamCompressionDecorator getStreamCompressionDecorator() {
        return compression;
    }

    @Override
    public void release() {
        IOUtils.closeQuietly(storeSnapshot);
    }
}
