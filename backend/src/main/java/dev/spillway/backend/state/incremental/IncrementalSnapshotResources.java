package dev.spillway.backend.state.incremental;

import dev.spillway.backend.state.KeyedStateRegistry;
import dev.spillway.backend.state.RegisteredKvState;
import dev.spillway.backend.state.StoreTimerQueue;
import dev.spillway.backend.store.StoreSnapshot;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.SnapshotResources;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueStateSnapshot;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.util.IOUtils;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the synchronous part of an incremental checkpoint captures: the store's frozen view (its
 * memtable pinned, its runs retained), the meta info of every state with its store id (timers in
 * the store are entries of the runs like any state), copies of the heap timer queues, and the confirmed files the upload may refer to.
 */
final class IncrementalSnapshotResources implements SnapshotResources {

    /** A timer queue's copy and a serializer the snapshot thread may use. */
    record TimerSnapshot(
            HeapPriorityQueueStateSnapshot<?> queue, TypeSerializer<Object> elements) {}

    final StoreSnapshot view;

    /** Keyed states in store-id order, then timer queues. */
    final List<StateMetaInfoSnapshot> metaInfos;

    final int[] stateIds;
    /** Per timer queue in meta info order: its store id, or {@link IncrementalFormat#HEAP_TIMERS}. */
    final int[] timerStoreIds;
    /** The heap timer queues, in meta info order. */
    final List<TimerSnapshot> timers;
    final UploadedRuns.Base base;

    private IncrementalSnapshotResources(
            StoreSnapshot view,
            List<StateMetaInfoSnapshot> metaInfos,
            int[] stateIds,
            int[] timerStoreIds,
            List<TimerSnapshot> timers,
            UploadedRuns.Base base) {
        this.view = view;
        this.metaInfos = metaInfos;
        this.stateIds = stateIds;
        this.timerStoreIds = timerStoreIds;
        this.timers = timers;
        this.base = base;
    }

    @SuppressWarnings("unchecked")
    static IncrementalSnapshotResources capture(
            StoreSnapshot view,
            KeyedStateRegistry<?> registry,
            Collection<StoreTimerQueue<?>> storeTimerQueues,
            Collection<HeapPriorityQueueSnapshotRestoreWrapper<?>> timerQueues,
            UploadedRuns.Base base) {
        List<StateMetaInfoSnapshot> metaInfos = new ArrayList<>();
        List<RegisteredKvState> states = registry.all();
        int[] stateIds = new int[states.size()];
        for (int i = 0; i < stateIds.length; i++) {
            metaInfos.add(states.get(i).metaInfo().snapshot());
            stateIds[i] = states.get(i).stateId();
        }
        int[] timerStoreIds = new int[storeTimerQueues.size() + timerQueues.size()];
        int timer = 0;
        for (StoreTimerQueue<?> queue : storeTimerQueues) {
            metaInfos.add(queue.metaInfo().snapshot());
            timerStoreIds[timer++] = queue.stateId();
        }
        List<TimerSnapshot> timers = new ArrayList<>();
        for (HeapPriorityQueueSnapshotRestoreWrapper<?> queue : timerQueues) {
            metaInfos.add(queue.getMetaInfo().snapshot());
            timerStoreIds[timer++] = IncrementalFormat.HEAP_TIMERS;
            timers.add(
                    new TimerSnapshot(
                            queue.stateSnapshot(),
                            (TypeSerializer<Object>)
                                    queue.getMetaInfo().getElementSerializer().duplicate()));
        }
        return new IncrementalSnapshotResources(
                view, metaInfos, stateIds, timerStoreIds, timers, base);
    }

    @Override
    public void release() {
        IOUtils.closeQuietly(view);
    }

    /** Closes the view when capturing failed half-way. */
    static void closeOnFailure(StoreSnapshot view, Throwable failure) {
        try {
            view.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
