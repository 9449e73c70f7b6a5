package dev.spillway.backend.state.incremental;

import dev.spillway.backend.state.KeyedStateRegistry;
import dev.spillway.backend.state.StoreTimerQueue;
import dev.spillway.backend.store.RunStore;
import dev.spillway.backend.store.StoreSnapshot;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.SnapshotType.SharingFilesStrategy;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.SnapshotStrategy;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;

import javax.annotation.Nonnull;

import java.util.Collection;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Spillway's native incremental checkpoints (and native savepoints), as RocksDB takes them: the
 * synchronous part freezes the store (its memtable pinned, its run version retained); the
 * asynchronous part writes the frozen memtable as one run, uploads each run that no confirmed
 * checkpoint holds, refers to the others by placeholder, and writes the metadata stream. The result
 * is Flink's {@code IncrementalRemoteKeyedStateHandle}, plus an {@code
 * IncrementalLocalKeyedStateHandle} over hard links of the runs when local recovery is on.
 *
 * <p>Flink's sharing strategy decides what may be shared: FORWARD_BACKWARD (checkpoints) refers to
 * confirmed files and lets later checkpoints refer to this one's; FORWARD (the first checkpoint
 * after a NO_CLAIM restore, full checkpoints) uploads everything but may be referred to later;
 * NO_SHARING (native savepoints) uploads everything as exclusive state and is never referred to.
 */
public final class IncrementalSnapshotStrategy<K>
        implements SnapshotStrategy<KeyedStateHandle, IncrementalSnapshotResources> {

    private final RunStore store;
    private final KeyedStateRegistry<K> registry;
    private final Supplier<Collection<StoreTimerQueue<?>>> storeTimerQueues;
    private final Supplier<Collection<HeapPriorityQueueSnapshotRestoreWrapper<?>>> timerQueues;
    private final TypeSerializer<K> keySerializer;
    private final KeyGroupRange keyGroupRange;
    private final LocalRecoveryConfig localRecoveryConfig;
    private final UploadedRuns uploadedRuns;
    private final UUID backendId;
    /**
     * Whether checkpoints share files (incremental checkpoints); otherwise every checkpoint is a
     * native full one: all runs uploaded as its private files, none referred to, none recorded.
     */
    private final boolean shareFiles;

    public IncrementalSnapshotStrategy(
            RunStore store,
            KeyedStateRegistry<K> registry,
            Supplier<Collection<StoreTimerQueue<?>>> storeTimerQueues,
            Supplier<Collection<HeapPriorityQueueSnapshotRestoreWrapper<?>>> timerQueues,
            TypeSerializer<K> keySerializer,
            KeyGroupRange keyGroupRange,
            LocalRecoveryConfig localRecoveryConfig,
            UploadedRuns uploadedRuns,
            UUID backendId,
            boolean shareFiles) {
        this.store = store;
        this.registry = registry;
        this.storeTimerQueues = storeTimerQueues;
        this.timerQueues = timerQueues;
        this.keySerializer = keySerializer;
        this.keyGroupRange = keyGroupRange;
        this.localRecoveryConfig = localRecoveryConfig;
        this.uploadedRuns = uploadedRuns;
        this.backendId = backendId;
        this.shareFiles = shareFiles;
    }

    @Override
    public IncrementalSnapshotResources syncPrepareResources(long checkpointId) throws Exception {
        // On the task thread, like the confirmations: the base is the last one before this view.
        UploadedRuns.Base base = uploadedRuns.base();
        StoreSnapshot view = store.snapshot();
        try {
            return IncrementalSnapshotResources.capture(
                    view, registry, storeTimerQueues.get(), timerQueues.get(), base);
        } catch (Throwable t) {
            IncrementalSnapshotResources.closeOnFailure(view, t);
            throw t;
        }
    }

    @Override
    public SnapshotResultSupplier<KeyedStateHandle> asyncSnapshot(
            IncrementalSnapshotResources resources,
            long checkpointId,
            long timestamp,
            @Nonnull CheckpointStreamFactory streamFactory,
            @Nonnull CheckpointOptions checkpointOptions) {
        if (resources.metaInfos.isEmpty()) {
            return registry -> SnapshotResult.empty();
        }
        SharingFilesStrategy sharing =
                shareFiles
                        ? checkpointOptions.getCheckpointType().getSharingFilesStrategy()
                        : SharingFilesStrategy.NO_SHARING;
        // A native full checkpoint's runs are private state (as RocksDB's native full
        // checkpoints' SST files): each checkpoint owns its copies, Flink deletes them with it.
        boolean privateFiles =
                !shareFiles && !checkpointOptions.getCheckpointType().isSavepoint();
        boolean localCopy =
                localRecoveryConfig.isLocalBackupEnabled()
                        && !checkpointOptions.getCheckpointType().isSavepoint();
        IncrementalUpload upload =
                new IncrementalUpload(
                        checkpointId,
                        resources,
                        sharing == SharingFilesStrategy.FORWARD_BACKWARD
                                ? resources.base
                                : UploadedRuns.NOTHING,
                        sharing,
                        streamFactory,
                        keySerializer,
                        keyGroupRange,
                        backendId,
                        localCopy ? localRecoveryConfig : null,
                        privateFiles);
        return snapshotCloseableRegistry -> {
            SnapshotResult<KeyedStateHandle> result = upload.run(snapshotCloseableRegistry);
            if (sharing != SharingFilesStrategy.NO_SHARING) {
                uploadedRuns.record(checkpointId, upload.runs());
            }
            return result;
        };
    }
}
