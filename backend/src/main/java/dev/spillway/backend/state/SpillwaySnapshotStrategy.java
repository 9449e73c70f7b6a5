package dev.spillway.backend.state;

import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointStreamWithResultProvider;
import org.apache.flink.runtime.state.CheckpointedStateScope;
import org.apache.flink.runtime.state.FullSnapshotAsyncWriter;
import org.apache.flink.runtime.state.FullSnapshotResources;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.SnapshotStrategy;
import org.apache.flink.util.function.SupplierWithException;

import javax.annotation.Nonnull;

import java.util.concurrent.Callable;

/**
 * Full snapshots in Flink's canonical format for checkpoints and savepoints alike: the synchronous
 * part captures {@link SpillwaySnapshotResources}, the asynchronous part streams them through
 * Flink's {@link FullSnapshotAsyncWriter}. Checkpoints are also written to the local recovery
 * directory when local recovery is on.
 */
public final class SpillwaySnapshotStrategy<K>
        implements SnapshotStrategy<KeyedStateHandle, FullSnapshotResources<K>> {

    private final Callable<FullSnapshotResources<K>> resources;
    private final LocalRecoveryConfig localRecoveryConfig;

    public SpillwaySnapshotStrategy(
            Callable<FullSnapshotResources<K>> resources, LocalRecoveryConfig localRecoveryConfig) {
        this.resources = resources;
        this.localRecoveryConfig = localRecoveryConfig;
    }

    @Override
    public FullSnapshotResources<K> syncPrepareResources(long checkpointId) throws Exception {
        return resources.call();
    }

    @Override
    public SnapshotResultSupplier<KeyedStateHandle> asyncSnapshot(
            FullSnapshotResources<K> snapshotResources,
            long checkpointId,
            long timestamp,
            @Nonnull CheckpointStreamFactory streamFactory,
            @Nonnull CheckpointOptions checkpointOptions) {
        if (snapshotResources.getMetaInfoSnapshots().isEmpty()) {
            return registry -> SnapshotResult.empty();
        }
        SupplierWithException<CheckpointStreamWithResultProvider, Exception> streams =
                localRecoveryConfig.isLocalBackupEnabled()
                                && !checkpointOptions.getCheckpointType().isSavepoint()
                        ? () ->
                                CheckpointStreamWithResultProvider.createDuplicatingStream(
                                        checkpointId,
                                        CheckpointedStateScope.EXCLUSIVE,
                                        streamFactory,
                                        localRecoveryConfig
                                                .getLocalStateDirectoryProvider()
                                                .orElseThrow(
                                                        LocalRecoveryConfig
                                                                .localRecoveryNotEnabled()))
                        : () ->
                                CheckpointStreamWithResultProvider.createSimpleStream(
                                        CheckpointedStateScope.EXCLUSIVE, streamFactory);
        return new FullSnapshotAsyncWriter<>(
                checkpointOptions.getCheckpointType(), streams, snapshotResources);
    }
}
