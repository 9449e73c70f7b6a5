package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;
import dev.spillway.backend.state.StorageLevels;
import dev.spillway.backend.state.KeyedStateRegistry;
import dev.spillway.backend.state.RestoredTimerQueues;
import dev.spillway.backend.state.SpillwayRestoreOperation;
import dev.spillway.backend.state.StateContext;
import dev.spillway.backend.state.StoreTimerQueues;
import dev.spillway.backend.state.TtlCompactionFilter;
import dev.spillway.backend.state.incremental.IncrementalRestoreOperation;
import dev.spillway.backend.state.incremental.UploadedRuns;
import dev.spillway.backend.store.RunStore;
import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.runtime.query.TaskKvStateRegistry;
import org.apache.flink.runtime.state.AbstractKeyedStateBackendBuilder;
import org.apache.flink.runtime.state.BackendBuildingException;
import org.apache.flink.runtime.state.HeapPriorityQueuesManager;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.StreamCompressionDecorator;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSetFactory;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueSnapshotRestoreWrapper;
import org.apache.flink.runtime.state.InternalKeyContextImpl;
import org.apache.flink.runtime.state.metrics.LatencyTrackingStateConfig;
import org.apache.flink.runtime.state.metrics.SizeTrackingStateConfig;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.util.IOUtils;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Wires a {@link SpillwayKeyedStateBackend}: the state registry over the given store, the timer
 * queues (in the store, or on the heap), and the restore of the state handles (if any) into both. The store is handed over
 * to the backend, or closed when building fails.
 */
public final class SpillwayKeyedStateBackendBuilder<K> extends AbstractKeyedStateBackendBuilder<K> {

    /** Initial capacity of each key group's timer heap, as the heap backend uses. */
    private static final int TIMER_QUEUE_MIN_CAPACITY = 128;

    private final StateStore store;
    private final TtlCompactionFilter ttlFilter;
    private final LocalRecoveryConfig localRecoveryConfig;
    private final boolean incrementalCheckpoints;
    private final TimerServiceFactory timerService;
    private final int timerCacheSize;
    private final StorageLevels storageLevels;
    private final UploadedRuns uploadedRuns = new UploadedRuns();

    public SpillwayKeyedStateBackendBuilder(
            StateStore store,
            TtlCompactionFilter ttlFilter,
            TaskKvStateRegistry kvStateRegistry,
            TypeSerializer<K> keySerializer,
            ClassLoader userCodeClassLoader,
            int numberOfKeyGroups,
            KeyGroupRange keyGroupRange,
            ExecutionConfig executionConfig,
            TtlTimeProvider ttlTimeProvider,
            LatencyTrackingStateConfig latencyTrackingStateConfig,
            SizeTrackingStateConfig sizeTrackingStateConfig,
            Collection<KeyedStateHandle> stateHandles,
            StreamCompressionDecorator keyGroupCompressionDecorator,
            LocalRecoveryConfig localRecoveryConfig,
            CloseableRegistry cancelStreamRegistry,
            boolean incrementalCheckpoints,
            TimerServiceFactory timerService,
            int timerCacheSize,
            StorageLevels storageLevels) {
        super(
                kvStateRegistry,
                keySerializer,
                userCodeClassLoader,
                numberOfKeyGroups,
                keyGroupRange,
                executionConfig,
                ttlTimeProvider,
                latencyTrackingStateConfig,
                sizeTrackingStateConfig,
                stateHandles,
                keyGroupCompressionDecorator,
                cancelStreamRegistry);
        this.store = store;
        this.ttlFilter = ttlFilter;
        this.localRecoveryConfig = localRecoveryConfig;
        this.incrementalCheckpoints = incrementalCheckpoints;
        this.timerService = timerService;
        this.timerCacheSize = timerCacheSize;
        this.storageLevels = storageLevels;
    }

    @Override
    public SpillwayKeyedStateBackend<K> build() throws BackendBuildingException {
        try {
            HeapPriorityQueueSetFactory timerQueueFactory =
                    new HeapPriorityQueueSetFactory(
                            keyGroupRange, numberOfKeyGroups, TIMER_QUEUE_MIN_CAPACITY);
            Map<String, HeapPriorityQueueSnapshotRestoreWrapper<?>> timerQueues = new HashMap<>();
            KeyedStateRegistry<K> registry = new KeyedStateRegistry<>(ttlFilter);
            StoreTimerQueues storeTimerQueues =
                    timerService == TimerServiceFactory.SPILLWAY
                            ? new StoreTimerQueues(
                                    registry,
                                    store,
                                    keyGroupRange,
                                    numberOfKeyGroups,
                                    timerCacheSize)
                            : null;

            // The restore may reconfigure the key serializer; the states must use the result.
            restore(
                    registry,
                    new RestoredTimerQueues(
                            timerQueues,
                            timerQueueFactory,
                            storeTimerQueues,
                            registry,
                            store,
                            keyGroupRange,
                            numberOfKeyGroups));

            TimerQueueService timers =
                    new TimerQueueService(
                            storeTimerQueues,
                            new HeapPriorityQueuesManager(
                                    timerQueues,
                                    timerQueueFactory,
                                    keyGroupRange,
                                    numberOfKeyGroups));
            TypeSerializer<K> keySerializer = keySerializerProvider.currentSchemaSerializer();
            return new SpillwayKeyedStateBackend<>(
                    kvStateRegistry,
                    keySerializer,
                    userCodeClassLoader,
                    executionConfig,
                    ttlTimeProvider,
                    latencyTrackingStateConfig,
                    sizeTrackingStateConfig,
                    new CloseableRegistry(),
                    keyGroupCompressionDecorator,
                    new InternalKeyContextImpl<>(keyGroupRange, numberOfKeyGroups),
                    new StateContext<>(
                            store,
                            keySerializer,
                            keyGroupRange,
                            numberOfKeyGroups,
                            ttlTimeProvider,
                            storageLevels),
                    registry,
                    timers,
                    localRecoveryConfig,
                    incrementalCheckpoints ? uploadedRuns : null);
        } catch (Throwable t) {
            IOUtils.closeQuietly(store);
            throw new BackendBuildingException(
                    "Failed to build the Spillway keyed state backend: " + t.getMessage(), t);
        }
    }

    /**
     * Spillway's incremental handles are adopted first (adoption needs an empty store); canonical
     * handles (full checkpoints, savepoints of any backend) are then re-inserted.
     */
    private void restore(KeyedStateRegistry<K> restored, RestoredTimerQueues timerQueues)
            throws Exception {
        List<IncrementalKeyedStateHandle> incremental = new ArrayList<>();
        List<KeyedStateHandle> canonical = new ArrayList<>();
        for (KeyedStateHandle handle : restoreStateHandles) {
            if (IncrementalRestoreOperation.restores(handle)) {
                incremental.add((IncrementalKeyedStateHandle) handle);
            } else if (handle != null) {
                canonical.add(handle);
            }
        }
        if (!incremental.isEmpty()) {
            RunStore runStore =
                    store.runStore()
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "Incremental checkpoints need a store with run"
                                                            + " files; "
                                                            + store
                                                            + " has none"));
            new IncrementalRestoreOperation<>(
                            incremental,
                            userCodeClassLoader,
                            keySerializerProvider,
                            restored,
                            runStore,
                            timerQueues,
                            keyGroupRange,
                            cancelStreamRegistry,
                            uploadedRuns)
                    .restore();
        }
        if (!canonical.isEmpty()) {
            new SpillwayRestoreOperation<>(
                            canonical,
                            userCodeClassLoader,
                            keySerializerProvider,
                            restored,
                            store,
                            timerQueues,
                            keyGroupRange,
                            numberOfKeyGroups)
                    .restore();
        }
    }
}
