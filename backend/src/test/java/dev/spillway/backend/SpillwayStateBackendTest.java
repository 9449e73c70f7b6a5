package dev.spillway.backend;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.ConfigurableStateBackend;
import org.apache.flink.runtime.state.StateBackendTestBase;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's own keyed state backend suite ({@code StateBackendTestBase}, the suite the hashmap and
 * rocksdb backends pass), run against Spillway with both kinds of checkpoint storage, over three
 * stores: the reference model (state layer alone), the production store in the test environment's
 * managed memory, and the production store in a budget of a few pages, so that it evicts and
 * compacts throughout.
 */
@ExtendWith(ParameterizedTestExtension.class)
class SpillwayStateBackendTest extends StateBackendTestBase<SpillwayStateBackend> {

    @TempDir private static Path checkpointDir;

    @Parameter(0)
    public StateStoreFactory store;

    @Parameter(1)
    public String storage;

    @Parameter(2)
    public ConformanceSuites.Tier tier;

    @Parameters(name = "store={0}, storage={1}, tier={2}")
    public static List<Object[]> parameters() {
        return ConformanceSuites.storesStoragesAndTiers();
    }

    /** The small-budget runs must really have evicted to disk, or they prove nothing. */
    @AfterAll
    static void smallBudgetStoresSpilled() {
        assertThat(FixedBudgetStoreFactory.spills()).isPositive();
    }

    @Override
    protected ConfigurableStateBackend getStateBackend() {
        return tier.configure(new SpillwayStateBackend(store));
    }

    @Override
    protected CheckpointStorage getCheckpointStorage() {
        return ConformanceSuites.checkpointStorage(storage, checkpointDir);
    }

    @Override
    protected boolean isSerializerPresenceRequiredOnRestore() {
        return false;
    }

    @Override
    protected boolean supportsAsynchronousSnapshots() {
        return true;
    }

    @Override
    protected boolean isSafeToReuseKVState() {
        return !tier.handsOutStoredObjects();
    }
}
