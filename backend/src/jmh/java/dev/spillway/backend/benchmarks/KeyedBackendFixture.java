package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.io.disk.iomanager.IOManagerAsync;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.runtime.util.TestingTaskManagerRuntimeInfo;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.util.FileUtils;

import java.io.File;
import java.nio.file.Files;
import java.util.Collections;

/**
 * One keyed state backend with {@code Long} keys, created exactly as a Flink task creates it:
 * through {@link StateBackend#createKeyedStateBackend} with an environment whose {@code
 * MemoryManager} holds the benchmark's managed memory budget (all of it for this operator, as
 * with one stateful operator per slot). Local files of every backend go to one temporary
 * directory that {@link #close()} deletes.
 */
final class KeyedBackendFixture implements AutoCloseable {

    /** Max parallelism of the simulated job; the backend owns all key groups. */
    private static final int KEY_GROUPS = 128;

    private final File localDir;
    private final MockEnvironment environment;
    private final CheckpointableKeyedStateBackend<Long> keyedBackend;

    private KeyedBackendFixture(
            File localDir,
            MockEnvironment environment,
            CheckpointableKeyedStateBackend<Long> keyedBackend) {
        this.localDir = localDir;
        this.environment = environment;
        this.keyedBackend = keyedBackend;
    }

    static KeyedBackendFixture open(BackendUnderTest backendUnderTest, long managedMemoryBytes)
            throws Exception {
        return open(backendUnderTest, managedMemoryBytes, new Configuration());
    }

    /** As above, with job options (e.g. incremental checkpoints) every backend is configured with. */
    static KeyedBackendFixture open(
            BackendUnderTest backendUnderTest, long managedMemoryBytes, Configuration jobOptions)
            throws Exception {
        return open(backendUnderTest, managedMemoryBytes, jobOptions, new UnregisteredMetricsGroup());
    }

    /** As above, registering the backend's metrics in the given group. */
    static KeyedBackendFixture open(
            BackendUnderTest backendUnderTest,
            long managedMemoryBytes,
            Configuration jobOptions,
            MetricGroup metrics)
            throws Exception {
        File localDir = Files.createTempDirectory("spillway-state-bench").toFile();
        MockEnvironment environment = null;
        try {
            Configuration config = new Configuration(jobOptions);
            config.set(RocksDBOptions.LOCAL_DIRECTORIES, localDir.getAbsolutePath());
            environment =
                    MockEnvironment.builder()
                            .setManagedMemorySize(managedMemoryBytes)
                            .setMaxParallelism(KEY_GROUPS)
                            .setTaskConfiguration(config)
                            .setTaskManagerRuntimeInfo(
                                    new TestingTaskManagerRuntimeInfo(config, localDir))
                            .setIOManager(new IOManagerAsync(localDir.getAbsolutePath()))
                            .build();
            StateBackend backend = backendUnderTest.create(config);
            JobID jobId = environment.getJobID();
            CheckpointableKeyedStateBackend<Long> keyedBackend =
                    backend.createKeyedStateBackend(
                            new KeyedStateBackendParametersImpl<>(
                                    environment,
                                    jobId,
                                    "state-benchmark",
                                    LongSerializer.INSTANCE,
                                    KEY_GROUPS,
                                    new KeyGroupRange(0, KEY_GROUPS - 1),
                                    environment.getTaskKvStateRegistry(),
                                    TtlTimeProvider.DEFAULT,
                                    metrics,
                                    Collections.emptyList(),
                                    new CloseableRegistry()));
            return new KeyedBackendFixture(localDir, environment, keyedBackend);
        } catch (Throwable t) {
            if (environment != null) {
                environment.close();
            }
            FileUtils.deleteDirectoryQuietly(localDir);
            throw t;
        }
    }

    CheckpointableKeyedStateBackend<Long> keyedBackend() {
        return keyedBackend;
    }

    /** A directory of this fixture's, deleted with it. */
    File localDir() {
        return localDir;
    }

    @Override
    public void close() throws Exception {
        try {
            keyedBackend.dispose();
            keyedBackend.close();
            environment.close();
        } finally {
            FileUtils.deleteDirectory(localDir);
        }
    }
}
