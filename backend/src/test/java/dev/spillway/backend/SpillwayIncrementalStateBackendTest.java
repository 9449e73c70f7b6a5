package dev.spillway.backend;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.ConfigurableStateBackend;
import org.apache.flink.runtime.state.StateBackendTestBase;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Flink's keyed state backend suite with native incremental checkpoints on: every snapshot and
 * restore of the suite (rescaling, serializer checks, timers, async and parallel snapshots) goes
 * through the incremental upload and restore by adoption, over the production store with run files,
 * in managed memory and in a budget of a few pages that keeps it spilling.
 */
@ExtendWith(ParameterizedTestExtension.class)
class SpillwayIncrementalStateBackendTest extends StateBackendTestBase<SpillwayStateBackend> {

    @TempDir private static Path checkpointDir;

    @Parameter(0)
    public StateStoreFactory store;

    @Parameter(1)
    public String storage;

    @Parameter(2)
    public ConformanceSuites.Tier tier;

    @Parameters(name = "store={0}, storage={1}, tier={2}")
    public static List<Object[]> parameters() {
        List<Object[]> withFiles = new ArrayList<>();
        for (Object[] parameters : ConformanceSuites.storesStoragesAndTiers()) {
            if (!(parameters[0] instanceof dev.spillway.backend.store.ReferenceStoreFactory)) {
                withFiles.add(parameters);
            }
        }
        return withFiles;
    }

    @Override
    protected ConfigurableStateBackend getStateBackend() {
        return tier.configure(new SpillwayStateBackend(store, true));
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
