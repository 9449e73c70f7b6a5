package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.ConfigurableStateBackend;
import org.apache.flink.runtime.state.StateBackendTestBase;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;
import org.apache.flink.util.function.SupplierWithException;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Flink's own keyed state backend suite ({@code StateBackendTestBase}, the suite the hashmap and
 * rocksdb backends pass), run against Spillway with both kinds of checkpoint storage.
 */
@ExtendWith(ParameterizedTestExtension.class)
class SpillwayStateBackendTest extends StateBackendTestBase<SpillwayStateBackend> {

    @TempDir private static Path checkpointDir;

    @Parameter public SupplierWithException<CheckpointStorage, IOException> storage;

    @Parameters(name = "storage={0}")
    public static List<Object[]> storages() {
        return Arrays.asList(
                new Object[] {(SupplierWithException<CheckpointStorage, IOException>) JobManagerCheckpointStorage::new},
                new Object[] {
                    (SupplierWithException<CheckpointStorage, IOException>)
                            () -> new FileSystemCheckpointStorage(checkpointDir.toUri())
                });
    }

    @Override
    protected ConfigurableStateBackend getStateBackend() {
        return new SpillwayStateBackend(new ReferenceStoreFactory());
    }

    @Override
    protected CheckpointStorage getCheckpointStorage() throws Exception {
        return storage.get();
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
        return true;
    }
}
