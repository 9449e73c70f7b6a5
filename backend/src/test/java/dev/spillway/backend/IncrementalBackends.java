package dev.spillway.backend;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.execution.Environment;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.RunnableFuture;

/** Keyed backends with Integer keys, snapshots into files, for the incremental checkpoint tests. */
final class IncrementalBackends {

    static final int KEY_GROUPS = 128;
    static final KeyGroupRange ALL = KeyGroupRange.of(0, KEY_GROUPS - 1);
    static final ValueStateDescriptor<String> VALUE =
            new ValueStateDescriptor<>("value", StringSerializer.INSTANCE);

    private IncrementalBackends() {}

    static CheckpointableKeyedStateBackend<Integer> create(
            StateBackend backend,
            Environment env,
            KeyGroupRange range,
            Collection<KeyedStateHandle> handles)
            throws Exception {
        return backend.createKeyedStateBackend(
                new KeyedStateBackendParametersImpl<>(
                        env,
                        new JobID(),
                        "incremental-test",
                        IntSerializer.INSTANCE,
                        KEY_GROUPS,
                        range,
                        env.getTaskKvStateRegistry(),
                        TtlTimeProvider.DEFAULT,
                        new UnregisteredMetricsGroup(),
                        handles,
                        new CloseableRegistry()));
    }

    static MockEnvironment environment() {
        return MockEnvironment.builder().build();
    }

    /** Writes every stream to a file (no inlined small state), under the directory. */
    static CheckpointStreamFactory files(Path directory) throws Exception {
        return new FsCheckpointStreamFactory(
                FileSystem.getLocalFileSystem(),
                new org.apache.flink.core.fs.Path(directory.resolve("exclusive").toUri()),
                new org.apache.flink.core.fs.Path(directory.resolve("shared").toUri()),
                0,
                4096);
    }

    static SnapshotResult<KeyedStateHandle> snapshot(
            CheckpointableKeyedStateBackend<?> backend,
            long checkpointId,
            CheckpointStreamFactory streams,
            CheckpointOptions options)
            throws Exception {
        RunnableFuture<SnapshotResult<KeyedStateHandle>> future =
                backend.snapshot(checkpointId, checkpointId, streams, options);
        future.run();
        return future.get();
    }

    static ValueState<String> value(CheckpointableKeyedStateBackend<Integer> backend)
            throws Exception {
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, VALUE);
    }

    static void put(CheckpointableKeyedStateBackend<Integer> backend, int key, String value)
            throws Exception {
        backend.setCurrentKey(key);
        value(backend).update(value);
    }

    static String get(CheckpointableKeyedStateBackend<Integer> backend, int key) throws Exception {
        backend.setCurrentKey(key);
        return value(backend).value();
    }

    /** A value long enough that a few thousand keys overflow a small budget. */
    static String valueOf(int key, int version) {
        return "value-" + key + "-" + version + "-" + "x".repeat(80);
    }
}
