package dev.spillway.backend;

import dev.spillway.backend.state.StoreTimerQueue;
import dev.spillway.backend.state.StoreTimerQueues;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.HeapPriorityQueuesManager;
import org.apache.flink.runtime.state.KeyGroupedInternalPriorityQueue;
import org.apache.flink.runtime.state.Keyed;
import org.apache.flink.runtime.state.PriorityComparable;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueElement;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;

import javax.annotation.Nullable;

import java.util.Collection;
import java.util.List;

/**
 * The timer queues of one keyed backend: in the store ({@link StoreTimerQueues}) or, with {@code
 * spillway.timer-service.factory: HEAP}, in Flink's heap queues. Only one kind is ever filled; the
 * snapshot paths ask for both and get nothing from the other.
 */
final class TimerQueueService {

    @Nullable private final StoreTimerQueues store;
    private final HeapPriorityQueuesManager heap;

    /** @param store the store queues, or {@code null} for heap timers */
    TimerQueueService(@Nullable StoreTimerQueues store, HeapPriorityQueuesManager heap) {
        this.store = store;
        this.heap = heap;
    }

    <T extends HeapPriorityQueueElement & PriorityComparable<? super T> & Keyed<?>>
            KeyGroupedInternalPriorityQueue<T> create(
                    String stateName,
                    TypeSerializer<T> byteOrderedElementSerializer,
                    boolean allowFutureMetadataUpdates) {
        if (store != null) {
            return store.createOrUpdate(
                            stateName, byteOrderedElementSerializer, allowFutureMetadataUpdates)
                    .queue();
        }
        return heap.createOrUpdate(
                stateName, byteOrderedElementSerializer, allowFutureMetadataUpdates);
    }

    Collection<StoreTimerQueue<?>> storeQueues() {
        return store == null ? List.of() : store.all();
    }

    Collection<HeapPriorityQueueSnapshotRestoreWrapper<?>> heapQueues() {
        return heap.getRegisteredPQStates().values();
    }
}
