package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyExtractorFunction;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupedInternalPriorityQueue;
import org.apache.flink.runtime.state.PriorityComparator;
import org.apache.flink.runtime.state.RegisteredPriorityQueueStateBackendMetaInfo;
import org.apache.flink.runtime.state.heap.KeyGroupPartitionedPriorityQueue;
import org.apache.flink.util.FlinkRuntimeException;

import javax.annotation.Nullable;

import java.io.IOException;

/**
 * One timer queue kept in the store: its store state id, its meta info, and the queue Flink sees,
 * Flink's {@link KeyGroupPartitionedPriorityQueue} over one {@link CachedStoreTimerSet} per key
 * group (the partitioning RocksDB's timers use as well). The element serializer must produce bytes
 * whose unsigned order is the elements' priority order, as Flink's timer serializer does.
 */
public final class StoreTimerQueue<T> {

    private final int stateId;
    private RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo;
    private final StateStore store;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final int cacheCapacity;
    @Nullable private KeyGroupPartitionedPriorityQueue<T, CachedStoreTimerSet<T>> queue;
    private final DataOutputSerializer out = new DataOutputSerializer(64);
    private final DataInputDeserializer in = new DataInputDeserializer();

    StoreTimerQueue(
            int stateId,
            RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo,
            StateStore store,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            int cacheCapacity) {
        this.stateId = stateId;
        this.metaInfo = metaInfo;
        this.store = store;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
        this.cacheCapacity = cacheCapacity;
    }

    /**
     * The queue handed to Flink's timer service. Built on first use, not at registration: building
     * loads every key group's cache, and a restore registers queues before it fills the store.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public KeyGroupedInternalPriorityQueue<T> queue() {
        if (queue == null) {
            KeyGroupPartitionedPriorityQueue.PartitionQueueSetFactory<T, CachedStoreTimerSet<T>>
                    partitions =
                            (keyGroup, totalKeyGroups, keyExtractor, comparator) ->
                                    new CachedStoreTimerSet<>(
                                            this, store, keyGroup, cacheCapacity);
            queue =
                    new KeyGroupPartitionedPriorityQueue<>(
                            (KeyExtractorFunction<T>) KeyExtractorFunction.forKeyedObjects(),
                            (PriorityComparator<T>)
                                    (PriorityComparator) PriorityComparator.forPriorityComparableObjects(),
                            partitions,
                            keyGroupRange,
                            numberOfKeyGroups);
        }
        return queue;
    }

    public int stateId() {
        return stateId;
    }

    public String name() {
        return metaInfo.getName();
    }

    public RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo() {
        return metaInfo;
    }

    void setMetaInfo(RegisteredPriorityQueueStateBackendMetaInfo<T> metaInfo) {
        this.metaInfo = metaInfo;
    }

    byte[] serialize(T element) {
        try {
            out.clear();
            metaInfo.getElementSerializer().serialize(element, out);
            return out.getCopyOfBuffer();
        } catch (IOException e) {
            throw new FlinkRuntimeException(
                    "Cannot serialize a timer of queue '" + name() + "': " + e.getMessage(), e);
        }
    }

    T deserialize(byte[] element) {
        try {
            in.setBuffer(element);
            TypeSerializer<T> serializer = metaInfo.getElementSerializer();
            return serializer.deserialize(in);
        } catch (IOException e) {
            throw new FlinkRuntimeException(
                    "Cannot deserialize a timer of queue '" + name() + "': " + e.getMessage(), e);
        }
    }

    /** Row prefix plus element; a fresh array, as the key is handed to the store. */
    byte[] storeKey(byte[] rowPrefix, byte[] element) {
        byte[] key = new byte[rowPrefix.length + element.length];
        System.arraycopy(rowPrefix, 0, key, 0, rowPrefix.length);
        System.arraycopy(element, 0, key, rowPrefix.length, element.length);
        return key;
    }
}
