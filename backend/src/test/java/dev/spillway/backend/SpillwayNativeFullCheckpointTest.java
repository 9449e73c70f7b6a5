package dev.spillway.backend;

import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.PlaceholderStreamStateHandle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.spillway.backend.IncrementalBackends.ALL;
import static dev.spillway.backend.IncrementalBackends.KEY_GROUPS;
import static dev.spillway.backend.IncrementalBackends.get;
import static dev.spillway.backend.IncrementalBackends.put;
import static dev.spillway.backend.IncrementalBackends.snapshot;
import static dev.spillway.backend.IncrementalBackends.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With incremental checkpoints off, a checkpoint is a native full one (as RocksDB's): every run
 * uploaded as the checkpoint's private files, nothing shared with other checkpoints, restored by
 * adopting the files, also into a different key-group range.
 */
class SpillwayNativeFullCheckpointTest {

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
    void everyCheckpointUploadsEveryRunAsPrivateFilesAndRestores() throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = create(ALL, List.of());
        for (int key = 0; key < KEYS; key++) {
            put(backend, key, valueOf(key, 1));
        }
        IncrementalRemoteKeyedStateHandle first = checkpoint(backend, 1);
        for (int key = 0; key < 100; key++) {
            put(backend, key, valueOf(key, 2));
        }
        IncrementalRemoteKeyedStateHandle second = checkpoint(backend, 2);

        for (IncrementalRemoteKeyedStateHandle handle : List.of(first, second)) {
            assertThat(handle.getSharedState()).as("nothing shared").isEmpty();
            assertThat(handle.getPrivateState()).as("the runs").isNotEmpty();
        }
        Set<String> firstRuns =
                first.getPrivateState().stream()
                        .map(HandleAndLocalPath::getLocalPath)
                        .collect(Collectors.toSet());
        assertThat(second.getPrivateState())
                .as("runs of the first checkpoint are uploaded again, not referred to")
                .anyMatch(run -> firstRuns.contains(run.getLocalPath()))
                .noneMatch(run -> run.getHandle() instanceof PlaceholderStreamStateHandle);

        CheckpointableKeyedStateBackend<Integer> restored = create(ALL, List.of(second));
        for (int key = 0; key < KEYS; key++) {
            assertThat(get(restored, key)).isEqualTo(valueOf(key, key < 100 ? 2 : 1));
        }
    }

    @Test
    void restoresIntoHalfTheKeyGroups() throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = create(ALL, List.of());
        for (int key = 0; key < KEYS; key++) {
            put(backend, key, valueOf(key, 1));
        }
        KeyedStateHandle handle = checkpoint(backend, 1);

        KeyGroupRange lowerHalf = KeyGroupRange.of(0, KEY_GROUPS / 2 - 1);
        CheckpointableKeyedStateBackend<Integer> restored = create(lowerHalf, List.of(handle));
        int checked = 0;
        for (int key = 0; key < KEYS; key++) {
            if (lowerHalf.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, KEY_GROUPS))) {
                assertThat(get(restored, key)).isEqualTo(valueOf(key, 1));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(KEYS / 3);
    }

    private IncrementalRemoteKeyedStateHandle checkpoint(
            CheckpointableKeyedStateBackend<Integer> backend, long id) throws Exception {
        KeyedStateHandle handle =
                snapshot(backend, id, IncrementalBackends.files(checkpoints), CHECKPOINT)
                        .getJobManagerOwnedSnapshot();
        assertThat(handle).isInstanceOf(IncrementalRemoteKeyedStateHandle.class);
        return (IncrementalRemoteKeyedStateHandle) handle;
    }

    private CheckpointableKeyedStateBackend<Integer> create(
            KeyGroupRange range, List<KeyedStateHandle> handles) throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend =
                IncrementalBackends.create(
                        new SpillwayStateBackend(
                                new FixedBudgetStoreFactory(288 * 1024, 4 * 1024, 64), false),
                        IncrementalBackends.environment(),
                        range,
                        handles);
        backends.add(backend);
        return backend;
    }
}
