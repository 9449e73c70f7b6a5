package dev.spillway.backend;

import dev.spillway.backend.state.KeyedStateRegistry;
import dev.spillway.backend.state.ObjectTierStats;
import dev.spillway.backend.state.RegisteredKvState;
import dev.spillway.backend.state.SpillwaySnapshotResources;
import dev.spillway.backend.state.SpillwaySnapshotStrategy;
import dev.spillway.backend.state.StateContext;
import dev.spillway.backend.state.StateKeys;
import dev.spillway.backend.state.incremental.IncrementalSnapshotStrategy;
import dev.spillway.backend.state.incremental.UploadedRuns;
import dev.spillway.backend.store.RunStore;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.query.TaskKvStateRegistry;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.FullSnapshotResources;
import org.apache.flink.runtime.state.KeyGroupedInternalPriorityQueue;
import org.apache.flink.runtime.state.Keyed;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.PriorityComparable;
import org.apache.flink.runtime.state.SavepointResources;
import org.apache.flink.runtime.state.SnapshotExecutionType;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.SnapshotStrategyRunner;
import org.apache.flink.runtime.state.StateSnapshotTransformer.StateSnapshotTransformFactory;
import org.apache.flink.runtime.state.StreamCompressionDecorator;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueElement;
import org.apache.flink.runtime.state.InternalKeyContext;
import org.apache.flink.runtime.state.metrics.LatencyTrackingStateConfig;
import org.apache.flink.runtime.state.metrics.SizeTrackingStateConfig;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.IOUtils;

import javax.annotation.Nonnull;
import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.RunnableFuture;
import java.util.stream.Stream;

/**
 * A keyed state backend whose keyed state lives in a {@link dev.spillway.backend.store.StateStore},
 * and so do its timers ({@link dev.spillway.backend.state.StoreTimerQueues}) unless {@code
 * spillway.timer-service.factory} puts them in Flink's heap priority queues.
 *
 * <p>Canonical savepoints are always full snapshots in Flink's canonical format (timers included),
 * taken asynchronously from the store's point-in-time view. Checkpoints and native savepoints are
 * the same full snapshots, or, with incremental checkpoints on and a store with run files, native
 * incremental snapshots ({@link IncrementalSnapshotStrategy}) whose shared files the checkpoint
 * notifications confirm or drop. Restoring accepts any canonical handle, from any backend, and
 * Spillway's incremental handles, at any parallelism.
 */
public class SpillwayKeyedStateBackend<K> extends AbstractKeyedStateBackend<K> {

    /** The value {@link #getBackendTypeIdentifier()} reports. */
    public static final String BACKEND_TYPE = "spillway";

    private final StateContext<K> stateContext;
    private final KeyedStateRegistry<K> states;
    private final StateKeys<K> stateKeys;
    private final TimerQueueService timers;
    private final SnapshotStrategyRunner<KeyedStateHandle, FullSnapshotResources<K>> checkpointer;

    /** Incremental checkpoints, or {@code null} when they are off or the store has no files. */
    @Nullable private final SnapshotStrategyRunner<KeyedStateHandle, ?> incrementalCheckpointer;

    @Nullable private final UploadedRuns uploadedRuns;
    private boolean disposed;

    SpillwayKeyedStateBackend(
            TaskKvStateRegistry kvStateRegistry,
            TypeSerializer<K> keySerializer,
            ClassLoader userCodeClassLoader,
            ExecutionConfig executionConfig,
            TtlTimeProvider ttlTimeProvider,
            LatencyTrackingStateConfig latencyTrackingStateConfig,
            SizeTrackingStateConfig sizeTrackingStateConfig,
            CloseableRegistry cancelStreamRegistry,
            StreamCompressionDecorator keyGroupCompressionDecorator,
            InternalKeyContext<K> keyContext,
            StateContext<K> stateContext,
            KeyedStateRegistry<K> states,
            TimerQueueService timers,
            LocalRecoveryConfig localRecoveryConfig,
            @Nullable UploadedRuns uploadedRuns) {
        super(
                kvStateRegistry,
                keySerializer,
                userCodeClassLoader,
                executionConfig,
                ttlTimeProvider,
                latencyTrackingStateConfig,
                sizeTrackingStateConfig,
                cancelStreamRegistry,
                keyGroupCompressionDecorator,
                keyContext);
        this.stateContext = stateContext;
        this.states = states;
        this.stateKeys = new StateKeys<>(stateContext);
        this.timers = timers;
        this.checkpointer =
                new SnapshotStrategyRunner<>(
                        "Spillway asynchronous full snapshot",
                        new SpillwaySnapshotStrategy<>(
                                this::snapshotResources, localRecoveryConfig),
                        cancelStreamRegistry,
                        SnapshotExecutionType.ASYNCHRONOUS);
        // A store with run files checkpoints natively: incremental checkpoints share the runs
        // that confirmed checkpoints uploaded, full ones upload every run (RocksDB's native full
        // checkpoints). A store without files (the test model) takes canonical full snapshots.
        Optional<RunStore> runStore = stateContext.store().runStore();
        if (runStore.isPresent()) {
            this.uploadedRuns = uploadedRuns;
            this.incrementalCheckpointer =
                    new SnapshotStrategyRunner<>(
                            "Spillway asynchronous incremental snapshot",
                            new IncrementalSnapshotStrategy<>(
                                    runStore.get(),
                                    states,
                                    timers::storeQueues,
                                    timers::heapQueues,
                                    keySerializer,
                                    keyGroupRange,
                                    localRecoveryConfig,
                                    uploadedRuns != null ? uploadedRuns : new UploadedRuns(),
                                    UUID.randomUUID(),
                                    uploadedRuns != null),
                            cancelStreamRegistry,
                            SnapshotExecutionType.ASYNCHRONOUS);
        } else {
            this.uploadedRuns = null;
            this.incrementalCheckpointer = null;
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Current key
    // ------------------------------------------------------------------------------------------

    @Override
    public void setCurrentKey(K newKey) {
        super.setCurrentKey(newKey);
        stateContext.keys().setCurrentKey(newKey, getCurrentKeyGroupIndex());
    }

    @Override
    public void setCurrentKeyAndKeyGroup(K newKey, int newKeyGroupIndex) {
        super.setCurrentKeyAndKeyGroup(newKey, newKeyGroupIndex);
        stateContext.keys().setCurrentKey(newKey, newKeyGroupIndex);
    }

    // ------------------------------------------------------------------------------------------
    //  States and timers
    // ------------------------------------------------------------------------------------------

    @Nonnull
    @Override
    public <N, SV, SEV, S extends State, IS extends S> IS createOrUpdateInternalState(
            @Nonnull TypeSerializer<N> namespaceSerializer,
            @Nonnull StateDescriptor<S, SV> stateDesc,
            @Nonnull StateSnapshotTransformFactory<SEV> snapshotTransformFactory)
            throws Exception {
        return createOrUpdateInternalState(
                namespaceSerializer, stateDesc, snapshotTransformFactory, false);
    }

    @Nonnull
    @Override
    public <N, SV, SEV, S extends State, IS extends S> IS createOrUpdateInternalState(
            @Nonnull TypeSerializer<N> namespaceSerializer,
            @Nonnull StateDescriptor<S, SV> stateDesc,
            @Nonnull StateSnapshotTransformFactory<SEV> snapshotTransformFactory,
            boolean allowFutureMetadataUpdates)
            throws Exception {
        return states.createOrUpdateState(
                stateContext,
                namespaceSerializer,
                stateDesc,
                snapshotTransformFactory,
                allowFutureMetadataUpdates);
    }

    @Nonnull
    @Override
    public <T extends HeapPriorityQueueElement & PriorityComparable<? super T> & Keyed<?>>
            KeyGroupedInternalPriorityQueue<T> create(
                    @Nonnull String stateName,
                    @Nonnull TypeSerializer<T> byteOrderedElementSerializer) {
        return timers.create(stateName, byteOrderedElementSerializer, false);
    }

    @Override
    public <T extends HeapPriorityQueueElement & PriorityComparable<? super T> & Keyed<?>>
            KeyGroupedInternalPriorityQueue<T> create(
                    @Nonnull String stateName,
                    @Nonnull TypeSerializer<T> byteOrderedElementSerializer,
                    boolean allowFutureMetadataUpdates) {
        return timers.create(stateName, byteOrderedElementSerializer, allowFutureMetadataUpdates);
    }

    // ------------------------------------------------------------------------------------------
    //  Key queries
    // ------------------------------------------------------------------------------------------

    @Override
    public <N> Stream<K> getKeys(String state, N namespace) {
        return getKeys(Collections.singletonList(state), namespace);
    }

    @Override
    public <N> Stream<K> getKeys(List<String> stateNames, N namespace) {
        flushObjectTier();
        List<RegisteredKvState> registered = new ArrayList<>(stateNames.size());
        for (String name : stateNames) {
            RegisteredKvState state = states.get(name);
            if (state != null) {
                registered.add(state);
            }
        }
        return stateKeys.keys(registered, namespace);
    }

    @Override
    public <N> Stream<Tuple2<K, N>> getKeysAndNamespaces(String state) {
        flushObjectTier();
        RegisteredKvState registered = states.get(state);
        return registered == null ? Stream.empty() : stateKeys.keysAndNamespaces(registered);
    }

    @Override
    public int numKeyValueStateEntries() {
        flushObjectTier();
        return stateKeys.countEntries(states.all());
    }

    // ------------------------------------------------------------------------------------------
    //  Snapshots
    // ------------------------------------------------------------------------------------------

    @Nonnull
    @Override
    public RunnableFuture<SnapshotResult<KeyedStateHandle>> snapshot(
            long checkpointId,
            long timestamp,
            @Nonnull CheckpointStreamFactory streamFactory,
            @Nonnull CheckpointOptions checkpointOptions)
            throws Exception {
        // The synchronous part: the store must hold every update before its view is taken.
        stateContext.flushObjectTier();
        // Canonical savepoints do not come here: Flink takes them from savepoint(). A full
        // checkpoint of states with TTL full-snapshot cleanup is written entry by entry, so that
        // the cleanup can drop expired entries; copying runs would keep them.
        if (incrementalCheckpointer != null
                && (uploadedRuns != null || !states.transformsFullSnapshots())) {
            return incrementalCheckpointer.snapshot(
                    checkpointId, timestamp, streamFactory, checkpointOptions);
        }
        return checkpointer.snapshot(checkpointId, timestamp, streamFactory, checkpointOptions);
    }

    @Nonnull
    @Override
    public SavepointResources<K> savepoint() throws Exception {
        stateContext.flushObjectTier();
        return new SavepointResources<>(snapshotResources(), SnapshotExecutionType.ASYNCHRONOUS);
    }

    private FullSnapshotResources<K> snapshotResources() throws Exception {
        return SpillwaySnapshotResources.create(
                stateContext.store(),
                states,
                timers.storeQueues(),
                timers.heapQueues(),
                keyGroupRange,
                numberOfKeyGroups,
                keySerializer,
                keyGroupCompressionDecorator);
    }

    /** Confirms an incremental checkpoint's files for reuse; full snapshots share nothing. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (uploadedRuns != null) {
            uploadedRuns.complete(checkpointId);
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) {
        if (uploadedRuns != null) {
            uploadedRuns.abort(checkpointId);
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Properties and lifecycle
    // ------------------------------------------------------------------------------------------

    /**
     * Reads of serialized states deserialize a fresh copy, which may be reused; states in the
     * object tier hand out the stored object itself, as the hashmap backend does, which may not.
     */
    @Override
    public boolean isSafeToReuseKVState() {
        return !stateContext.handsOutStoredObjects();
    }

    /** Whether states of this backend use the object tier (see {@link #isSafeToReuseKVState}). */
    public boolean handsOutStoredObjects() {
        return stateContext.handsOutStoredObjects();
    }

    /** What the object tier holds and did; zeros without a tier. */
    public ObjectTierStats objectTierStats() {
        return stateContext.objectTierStats();
    }

    /** Writes the object tier's updated values into the store, before a whole-store read. */
    private void flushObjectTier() {
        try {
            stateContext.flushObjectTier();
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot write the object tier's values to the store", e);
        }
    }

    @Override
    public String getBackendTypeIdentifier() {
        return BACKEND_TYPE;
    }

    /** Releases the store (its memory and spill files); later calls do nothing. */
    @Override
    public void dispose() {
        if (disposed) {
            return;
        }
        disposed = true;
        stateContext.discardObjectTier();
        super.dispose();
        IOUtils.closeQuietly(stateContext.store());
    }
}
