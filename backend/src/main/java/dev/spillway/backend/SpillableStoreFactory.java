package dev.spillway.backend;

import dev.spillway.backend.config.MemoryOptions;
import dev.spillway.backend.config.StoreOptions;
import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryMetrics;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.SpillableStore;
import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreSettings;
import dev.spillway.backend.store.compaction.CompactionFilter;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.Environment;
import org.apache.flink.runtime.state.StateBackend.KeyedStateBackendParameters;
import org.apache.flink.util.IOUtils;

import java.io.File;
import java.io.IOException;

/**
 * The production store: a {@link SpillableStore} per keyed backend, its memory a client of the
 * slot's shared {@link UnifiedMemoryManager} (sized from the state backend's managed memory share,
 * as RocksDB sizes its cache), its runs in a spill directory under {@code
 * spillway.store.spill-directory} or one of the TaskManager's {@code io.tmp.dirs}. Registers the
 * store and memory metrics under the backend's metric group, in group {@code spillway}.
 *
 * <p>The options are validated when the factory is built (on the client, at plan time), so a bad
 * value fails the job submission rather than the tasks.
 */
public final class SpillableStoreFactory implements StateStoreFactory {

    private static final long serialVersionUID = 1L;

    /** The metric group under the keyed backend's group that holds Spillway's metrics. */
    public static final String METRIC_GROUP = "spillway";

    /** The options, kept as configuration because the validated settings are not serializable. */
    private final Configuration options;

    private SpillableStoreFactory(Configuration options) {
        this.options = options;
        validate(options);
    }

    /** A factory with the default options. */
    public static SpillableStoreFactory withDefaults() {
        return new SpillableStoreFactory(new Configuration());
    }

    /**
     * A factory with the {@code spillway.*} options of the configuration.
     *
     * @throws org.apache.flink.configuration.IllegalConfigurationException for a bad value
     */
    public static SpillableStoreFactory fromConfig(ReadableConfig config) {
        // Before copying: copying parses the values and would fail without naming the range.
        validate(config);
        Configuration options = new Configuration();
        MemoryOptions.ALL.forEach(option -> copy(config, options, option));
        StoreOptions.ALL.forEach(option -> copy(config, options, option));
        return new SpillableStoreFactory(options);
    }

    private static <T> void copy(ReadableConfig from, Configuration to, ConfigOption<T> option) {
        from.getOptional(option).ifPresent(value -> to.set(option, value));
    }

    /** Reads every option once, so that a bad value fails here, at plan time. */
    private static void validate(ReadableConfig options) {
        MemoryOptions.settingsFrom(options);
        StoreOptions.settingsFrom(
                options, new String[] {System.getProperty("java.io.tmpdir")}, "validation");
    }

    @Override
    public StateStore createStore(
            KeyedStateBackendParameters<?> parameters, CompactionFilter filter) throws IOException {
        Environment env = parameters.getEnv();
        String name = storeName(parameters);
        MemorySettings memorySettings = MemoryOptions.settingsFrom(options);
        MemoryClient client =
                UnifiedMemoryManager.openSlotClient(
                        env.getMemoryManager(),
                        parameters.getManagedMemoryFraction(),
                        memorySettings,
                        name);
        try {
            StoreSettings settings = StoreOptions.settingsFrom(options, tmpDirectories(env), name);
            SpillableStore store = SpillableStore.open(client, settings, name, filter);
            MetricGroup group = parameters.getMetricGroup().addGroup(METRIC_GROUP);
            StoreMetricGauges.register(group.addGroup("store"), store);
            MemoryMetrics.register(group.addGroup("memory"), client);
            return new MemoryLeasingStore(store, client);
        } catch (Throwable t) {
            IOUtils.closeQuietly(client);
            throw t;
        }
    }

    @Override
    public String toString() {
        return "spillable(managed memory)";
    }

    private static String[] tmpDirectories(Environment env) {
        File[] directories = env.getIOManager().getSpillingDirectories();
        String[] paths = new String[directories.length];
        for (int i = 0; i < directories.length; i++) {
            paths[i] = directories[i].getPath();
        }
        return paths;
    }

    private static String storeName(KeyedStateBackendParameters<?> parameters) {
        return parameters.getOperatorIdentifier()
                + "-"
                + parameters.getEnv().getTaskInfo().getIndexOfThisSubtask();
    }
}
