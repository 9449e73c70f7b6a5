package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.StateBackendMigrationTestBase;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
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

    @Parameters(name = "store={0}, storage={1}")
    public static List<Object[]> parameters() {
        List<Object[]> parameters = new ArrayList<>();
        for (StateStoreFactory store :
                Arrays.asList(
                        new ReferenceStoreFactory(),
                        SpillableStoreFactory.withDefaults(),
                        new FixedBudgetStoreFactory(288 * 1024, 4 * 1024))) {
            for (String storage : Arrays.asList("jobmanager", "filesystem")) {
                parameters.add(new Object[] {store, storage});
            }
        }
        return parameters;
    }

    @Override
    protected SpillwayStateBackend getStateBackend() {
        return new SpillwayStateBackend(store);
    }

    @Override
    protected CheckpointStorage getCheckpointStorage() {
        return "jobmanager".equals(storage)
                ? new JobManagerCheckpointStorage()
                : new FileSystemCheckpointStorage(tempFolder.toUri());
    }
}
