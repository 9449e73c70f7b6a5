package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.config.TimerOptions;
import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;
import dev.spillway.backend.state.StorageLevels;
import dev.spillway.backend.state.TtlCompactionFilter;
import dev.spillway.backend.store.StateStore;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.Environment;
import org.apache.flink.runtime.state.AbstractManagedMemoryStateBackend;
import org.apache.flink.runtime.state.BackendBuildingException;
import org.apache.flink.runtime.state.ConfigurableStateBackend;
import org.apache.flink.runtime.state.DefaultOperatorStateBackendBuilder;
import org.apache.flink.runtime.state.OperatorStateBackend;
import org.apache.flink.runtime.state.metrics.LatencyTrackingStateConfig;
import org.apache.flink.runtime.state.metrics.SizeTrackingStateConfig;
import org.apache.flink.util.Preconditions;

import java.io.IOException;

/**
 * Spillway: a keyed state backend that keeps state serialized in off-heap pages within the slot's
 * managed memory and spills cold state to local disk.
 *
 * <p>Select it in the configuration with {@code state.backend.type:
 * dev.spillway.backend.SpillwayStateBackendFactory} (Flink 2.x has no {@code env.setStateBackend};
 * a job sets the same option in the configuration it creates its environment with; APIs that take
 * a backend object take {@code new SpillwayStateBackend()}). Operator state uses Flink's default operator state backend. Snapshots
 * are full snapshots in the canonical format, restorable by this, the hashmap or the rocksdb
 * backend at any parallelism, unless {@code execution.checkpointing.incremental} is on: then
 * checkpoints and native savepoints are Spillway's own incremental snapshots (only Spillway
 * restores them) and canonical savepoints stay canonical.
 */
public class SpillwayStateBackend extends AbstractManagedMemoryStateBackend
        implements ConfigurableStateBackend {

    private static final long serialVersionUID = 1L;

    private final StateStoreFactory storeFactory;

    /** {@code execution.checkpointing.incremental}: native incremental checkpoints. */
    private final boolean incrementalCheckpoints;

    /** {@code spillway.timer-service.*}: where timers live. */
    private final TimerServiceFactory timerService;

    private final int timerCacheSize;

    /** {@code spillway.state.*}: storage levels and the object tier's size. */
    private final StorageLevels storageLevels;

    /**
     * The backend with the production store and default options; {@link #configure} applies the
     * cluster's and job's {@code spillway.*} options.
     */
    public SpillwayStateBackend() {
        this(SpillableStoreFactory.withDefaults());
    }

    /**
     * A backend whose keyed backends get their stores from the given factory: the seam for tests
     * and benchmarks that run the state layer over another {@link StateStore}.
     */
    public SpillwayStateBackend(StateStoreFactory storeFactory) {
        this(storeFactory, CheckpointingOptions.INCREMENTAL_CHECKPOINTS.defaultValue());
    }

    /**
     * As {@link #SpillwayStateBackend(StateStoreFactory)}, with incremental checkpoints on or off
     * unless the configuration given to {@link #configure} sets {@code
     * execution.checkpointing.incremental}.
     */
    public SpillwayStateBackend(StateStoreFactory storeFactory, boolean incrementalCheckpoints) {
        this.storeFactory = Preconditions.checkNotNull(storeFactory, "storeFactory");
        this.incrementalCheckpoints = incrementalCheckpoints;
        this.timerService = TimerOptions.FACTORY.defaultValue();
        this.timerCacheSize = TimerOptions.CACHE_SIZE.defaultValue();
        this.storageLevels = StorageLevels.all(StateOptions.STORAGE_LEVEL.defaultValue());
    }

    private SpillwayStateBackend(SpillwayStateBackend original, ReadableConfig config) {
        this.storeFactory =
                original.storeFactory instanceof SpillableStoreFactory
                        ? SpillableStoreFactory.fromConfig(config)
                        : original.storeFactory;
        this.latencyTrackingConfigBuilder = original.latencyTrackingConfigBuilder.configure(config);
        this.sizeTrackingConfigBuilder = original.sizeTrackingConfigBuilder.configure(config);
        this.incrementalCheckpoints =
                config.getOptional(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)
                        .orElse(original.incrementalCheckpoints);
        this.timerService = TimerOptions.factory(config, original.timerService);
        this.timerCacheSize = TimerOptions.cacheSize(config, original.timerCacheSize);
        this.storageLevels = StateOptions.storageLevels(config, original.storageLevels);
    }

    /** The storage level of each state and the object tier's size ({@code spillway.state.*}). */
    public StorageLevels getStorageLevels() {
        return storageLevels;
    }

    /** Where the keyed backends keep timers ({@code spillway.timer-service.factory}). */
    public TimerServiceFactory getTimerServiceFactory() {
        return timerService;
    }

    @Override
    public SpillwayStateBackend configure(ReadableConfig config, ClassLoader classLoader)
            throws IllegalConfigurationException {
        return new SpillwayStateBackend(this, config);
    }

    @Override
    public String getName() {
        return "Spillway";
    }

    /**
     * Whether checkpoints are native incremental ones ({@code
     * execution.checkpointing.incremental}).
     */
    public boolean isIncrementalCheckpointsEnabled() {
        return incrementalCheckpoints;
    }

    /**
     * Full snapshots share no files; incremental ones follow the sharing strategy Flink asks for,
     * which after a NO_CLAIM restore is a first checkpoint that uploads every file.
     */
    @Override
    public boolean supportsNoClaimRestoreMode() {
        return true;
    }

    /**
     * Canonical savepoints are written from the full snapshot path; native ones are full snapshots
     * too, or, with incremental checkpoints on, incremental snapshots that share no files.
     */
    @Override
    public boolean supportsSavepointFormat(SavepointFormatType formatType) {
        return true;
    }

    @Override
    public <K> SpillwayKeyedStateBackend<K> createKeyedStateBackend(
            KeyedStateBackendParameters<K> parameters) throws IOException {
        Environment env = parameters.getEnv();
        LatencyTrackingStateConfig latencyTracking =
                latencyTrackingConfigBuilder.setMetricGroup(parameters.getMetricGroup()).build();
        SizeTrackingStateConfig sizeTracking =
                sizeTrackingConfigBuilder.setMetricGroup(parameters.getMetricGroup()).build();
        TtlCompactionFilter ttlFilter = new TtlCompactionFilter(parameters.getTtlTimeProvider());
        StateStore store = storeFactory.createStore(parameters, ttlFilter);
        SpillwayKeyedStateBackend<K> backend = new SpillwayKeyedStateBackendBuilder<>(
                        store,
                        ttlFilter,
                        parameters.getKvStateRegistry(),
                        parameters.getKeySerializer(),
                        env.getUserCodeClassLoader().asClassLoader(),
                        parameters.getNumberOfKeyGroups(),
                        parameters.getKeyGroupRange(),
                        env.getExecutionConfig(),
                        parameters.getTtlTimeProvider(),
                        latencyTracking,
                        sizeTracking,
                        parameters.getStateHandles(),
                        getCompressionDecorator(env.getExecutionConfig()),
                        env.getTaskStateManager().createLocalRecoveryConfig(),
                        parameters.getCancelStreamRegistry(),
                        incrementalCheckpoints,
                        timerService,
                        timerCacheSize,
                        storageLevels)
                .build();
        if (backend.handsOutStoredObjects()) {
            ObjectTierGauges.register(
                    parameters.getMetricGroup()
                            .addGroup(SpillableStoreFactory.METRIC_GROUP)
                            .addGroup("objectTier"),
                    backend::objectTierStats);
        }
        return backend;
    }

    @Override
    public OperatorStateBackend createOperatorStateBackend(
            OperatorStateBackendParameters parameters) throws BackendBuildingException {
        return new DefaultOperatorStateBackendBuilder(
                        parameters.getEnv().getUserCodeClassLoader().asClassLoader(),
                        parameters.getEnv().getExecutionConfig(),
                        true,
                        parameters.getStateHandles(),
                        parameters.getCancelStreamRegistry())
                .build();
    }
}
