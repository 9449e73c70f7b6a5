package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreCursor;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.state.KeyExtractorFunction;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.RegisteredPriorityQueueStateBackendMetaInfo;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueElement;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a restore puts timers: into the store timer queues when the backend keeps timers in the
 * store, else into heap queues, by name, created from the snapshot's meta info the first time a
 * snapshot mentions them (every restore path shares them with the backend).
 *
 * <p>Snapshots carry timers in two forms, and either may meet either kind of queue: as elements
 * (canonical snapshots, and incremental ones of heap timers), which go through {@link #sink}; and
 * as store entries inside adopted runs (incremental snapshots of store timers), for which {@link
 * #storeId} names the store id to adopt them under. Store entries bound for heap queues are moved
 * out of the store by {@link #finishAdoption} once the runs are in.
 */
public final class RestoredTimerQueues {

    /** Takes the timers of one queue, one serialized element at a time. */
    public interface Sink {
        void add(int keyGroup, byte[] element, int offset, int length) throws IOException;
    }

    private static final byte[] NO_VALUE = new byte[0];

    private final Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> heapQueues;
    private final HeapPriorityQueueSetFactory heapFactory;
    @Nullable private final StoreTimerQueues storeQueues;
    private final KeyedStateRegistry<?> registry;
    private final StateStore store;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final DataInputDeserializer in = new DataInputDeserializer();
    /** Store ids holding adopted timers that belong in heap queues. */
    private final List<Drain> drains = new ArrayList<>();

    private record Drain(int stateId, HeapPriorityQueueSnapshotRestoreWrapper<?> queue) {}

    /**
     * @param storeQueues the store timer queues, or {@code null} when timers live on the heap
     */
    public RestoredTimerQueues(
            Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> heapQueues,
            HeapPriorityQueueSetFactory heapFactory,
            @Nullable StoreTimerQueues storeQueues,
            KeyedStateRegistry<?> registry,
            StateStore store,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups) {
        this.heapQueues = heapQueues;
        this.heapFactory = heapFactory;
        this.storeQueues = storeQueues;
        this.registry = registry;
        this.store = store;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
    }

    /** Where the elements of the queue the meta info names go. */
    public Sink sink(StateMetaInfoSnapshot snapshot) {
        if (storeQueues != null) {
            int stateId = storeQueues.registerRestored(snapshot).stateId();
            return (keyGroup, element, offset, length) -> {
                byte[] key = StoreTimerKeys.storeKey(keyGroup, stateId, element, offset, length);
                store.put(key, key.length, NO_VALUE, 0, 0);
            };
        }
        HeapPriorityQueueSnapshotRestoreWrapper<?> queue = heapQueue(snapshot);
        return (keyGroup, element, offset, length) -> {
            in.setBuffer(element, offset, length);
            addToHeap(queue, in);
        };
    }

    /**
     * The store id under which the queue's entries of adopted runs go: the store queue's, or, for
     * heap queues, a scratch id that {@link #finishAdoption} empties into the heap queue.
     */
    public int storeId(StateMetaInfoSnapshot snapshot) {
        if (storeQueues != null) {
            return storeQueues.registerRestored(snapshot).stateId();
        }
        HeapPriorityQueueSnapshotRestoreWrapper<?> queue = heapQueue(snapshot);
        for (Drain drain : drains) {
            if (drain.queue() == queue) {
                return drain.stateId();
            }
        }
        int scratch = registry.newStateId(snapshot.getName());
        drains.add(new Drain(scratch, queue));
        return scratch;
    }

    /** Moves adopted store timers bound for heap queues into them; call once runs are adopted. */
    public void finishAdoption() throws IOException {
        for (Drain drain : drains) {
            for (int keyGroup : keyGroupRange) {
                byte[] prefix = StoreTimerKeys.rowPrefix(keyGroup, drain.stateId());
                try (StoreCursor cursor = store.scan(prefix, prefix.length)) {
                    while (cursor.next()) {
                        byte[] key = cursor.key();
                        in.setBuffer(
                                key,
                                StoreTimerKeys.ELEMENT_OFFSET,
                                key.length - StoreTimerKeys.ELEMENT_OFFSET);
                        addToHeap(drain.queue(), in);
                        cursor.remove();
                    }
                }
            }
        }
        drains.clear();
    }

    private static <T extends HeapPriorityQueueElement> void addToHeap(
            HeapPriorityQueueSnapshotRestoreWrapper<T> queue, DataInputDeserializer in)
            throws IOException {
        TypeSerializer<T> serializer = queue.getMetaInfo().getElementSerializer();
        queue.getPriorityQueue().add(serializer.deserialize(in));
    }

    /** The heap queue the snapshot's meta info names, created on first use. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private HeapPriorityQueueSnapshotRestoreWrapper<?> heapQueue(StateMetaInfoSnapshot snapshot) {
        return heapQueues.computeIfAbsent(
                snapshot.getName(),
                name -> {
                    RegisteredPriorityQueueStateBackendMetaInfo metaInfo =
                            new RegisteredPriorityQueueStateBackendMetaInfo<>(snapshot);
                    return new HeapPriorityQueueSnapshotRestoreWrapper(
                            heapFactory.create(name, metaInfo.getElementSerializer()),
                            metaInfo,
                            KeyExtractorFunction.forKeyedObjects(),
                            keyGroupRange,
                            numberOfKeyGroups);
                });
    }
}
