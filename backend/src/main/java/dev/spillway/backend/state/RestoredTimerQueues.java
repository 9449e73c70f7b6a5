package dev.spillway.backend.state;

import org.apache.flink.runtime.state.KeyExtractorFunction;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.RegisteredPriorityQueueStateBackendMetaInfo;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;

import java.util.Map;

/**
 * The heap timer queues a restore fills, by name, created from the snapshot's meta info the first
 * time a snapshot mentions them (every restore path shares them with the backend).
 */
public final class RestoredTimerQueues {

    private final Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> queues;
    private final HeapPriorityQueueSetFactory factory;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;

    public RestoredTimerQueues(
            Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> queues,
            HeapPriorityQueueSetFactory factory,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups) {
        this.queues = queues;
        this.factory = factory;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
    }

    /** The queue the snapshot's meta info names, created on first use. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public HeapPriorityQueueSnapshotRestoreWrapper<?> queue(StateMetaInfoSnapshot snapshot) {
        return queues.computeIfAbsent(
                snapshot.getName(),
                name -> {
                    RegisteredPriorityQueueStateBackendMetaInfo metaInfo =
                            new RegisteredPriorityQueueStateBackendMetaInfo<>(snapshot);
                    return new HeapPriorityQueueSnapshotRestoreWrapper(
                            factory.create(name, metaInfo.getElementSerializer()),
                            metaInfo,
                            KeyExtractorFunction.forKeyedObjects(),
                            keyGroupRange,
                            numberOfKeyGroups);
                });
    }
}
