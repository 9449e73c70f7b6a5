package dev.spillway.backend;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.StateBackendMigrationTestBase;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/**
 * Flink's serializer migration suite: value, list and map values rewritten on
 * compatible-after-migration, reconfiguration, incompatible serializers failing, TTL switched on
 * and off.
 */
@ExtendWith(ParameterizedTestExtension.class)
class SpillwayStateBackendMigrationTest
        extends StateBackendMigrationTestBase<SpillwayStateBackend> {

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

    @Override
    protected SpillwayStateBackend getStateBackend() {
        return tier.configure(new SpillwayStateBackend(store));
    }

    @Override
    protected CheckpointStorage getCheckpointStorage() {
        return ConformanceSuites.checkpointStorage(storage, tempFolder);
    }
}
