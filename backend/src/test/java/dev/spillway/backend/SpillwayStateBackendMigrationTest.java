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

    @Parameter public String storage;

    @Parameters(name = "storage={0}")
    public static List<Object> storages() {
        return Arrays.asList("jobmanager", "filesystem");
    }

    @Override
    protected SpillwayStateBackend getStateBackend() {
        return new SpillwayStateBackend(new ReferenceStoreFactory());
    }

    @Override
    protected CheckpointStorage getCheckpointStorage() {
        return "jobmanager".equals(storage)
                ? new JobManagerCheckpointStorage()
                : new FileSystemCheckpointStorage(tempFolder.toUri());
    }
}
