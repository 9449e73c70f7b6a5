package dev.spillway.backend;

import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.CheckpointedStateScope;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.spillway.backend.IncrementalBackends.ALL;
import static dev.spillway.backend.IncrementalBackends.get;
import static dev.spillway.backend.IncrementalBackends.put;
import static dev.spillway.backend.IncrementalBackends.snapshot;
import static dev.spillway.backend.IncrementalBackends.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An incremental checkpoint with many runs to upload sends them several at a time; when one
 * upload fails, the checkpoint fails and nothing it uploaded is left in checkpoint storage.
 */
class SpillwayIncrementalUploadTest {

    private static final int KEYS = 20_000;
    private static final CheckpointOptions CHECKPOINT =
            CheckpointOptions.forCheckpointWithDefaultLocation();

    @TempDir Path checkpoints;

    private final List<CheckpointableKeyedStateBackend<Integer>> backends = new ArrayList<>();

    @AfterEach
    void dispose() {
        backends.forEach(CheckpointableKeyedStateBackend::dispose);
    }

    @Test
    void manyRunsAreUploadedAndRestored() throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = loaded();
        IncrementalRemoteKeyedStateHandle handle =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 1, IncrementalBackends.files(checkpoints), CHECKPOINT)
                                .getJobManagerOwnedSnapshot();
        assertThat(handle.getSharedState())
                .as("enough runs to upload several at a time")
                .hasSizeGreaterThan(2);

        CheckpointableKeyedStateBackend<Integer> restored = create(List.of(handle));
        for (int key = 0; key < KEYS; key++) {
            assertThat(get(restored, key)).isEqualTo(valueOf(key, 1));
        }
    }

    @Test
    void aFailedUploadLeavesNoFileBehind() throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = loaded();
        CheckpointStreamFactory failing =
                failingSharedStream(IncrementalBackends.files(checkpoints), 2);

        assertThatThrownBy(() -> snapshot(backend, 1, failing, CHECKPOINT))
                .hasStackTraceContaining("disk full on upload 2");

        try (Stream<Path> left = Files.walk(checkpoints)) {
            assertThat(left.filter(Files::isRegularFile))
                    .as("the uploads that completed were discarded")
                    .isEmpty();
        }
        // The store is unharmed: the next checkpoint succeeds and restores.
        KeyedStateHandle handle =
                snapshot(backend, 2, IncrementalBackends.files(checkpoints), CHECKPOINT)
                        .getJobManagerOwnedSnapshot();
        CheckpointableKeyedStateBackend<Integer> restored = create(List.of(handle));
        assertThat(get(restored, KEYS - 1)).isEqualTo(valueOf(KEYS - 1, 1));
    }

    /** A backend whose state sits in several runs (no compaction merges them). */
    private CheckpointableKeyedStateBackend<Integer> loaded() throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = create(List.of());
        for (int key = 0; key < KEYS; key++) {
            put(backend, key, valueOf(key, 1));
        }
        return backend;
    }

    private CheckpointableKeyedStateBackend<Integer> create(List<KeyedStateHandle> handles)
            throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend =
                IncrementalBackends.create(
                        new SpillwayStateBackend(
                                new FixedBudgetStoreFactory(288 * 1024, 4 * 1024, 64), true),
                        IncrementalBackends.environment(),
                        ALL,
                        handles);
        backends.add(backend);
        return backend;
    }

    /** Fails the n-th shared stream on its first write, as a full disk would. */
    private static CheckpointStreamFactory failingSharedStream(
            CheckpointStreamFactory delegate, int failing) {
        AtomicInteger shared = new AtomicInteger();
        return new HookedCheckpointStreams(
                delegate,
                scope -> {
                    boolean fail =
                            scope == CheckpointedStateScope.SHARED
                                    && shared.incrementAndGet() == failing;
                    return (written, bytes) -> {
                        if (fail) {
                            throw new IOException("disk full on upload " + failing);
                        }
                    };
                });
    }
}
