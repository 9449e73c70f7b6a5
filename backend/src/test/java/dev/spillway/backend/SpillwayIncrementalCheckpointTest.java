package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.config.StoreOptions;
import dev.spillway.backend.state.StorageLevel;

import dev.spillway.backend.state.incremental.IncrementalFormat;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.CheckpointType;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointStorageLocationReference;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalLocalKeyedStateHandle;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.LocalSnapshotDirectoryProviderImpl;
import org.apache.flink.runtime.state.PlaceholderStreamStateHandle;
import org.apache.flink.runtime.state.SharedStateRegistry;
import org.apache.flink.runtime.state.SharedStateRegistryImpl;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.TestTaskStateManager;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.filesystem.FileStateHandle;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.IOUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.spillway.backend.IncrementalBackends.ALL;
import static dev.spillway.backend.IncrementalBackends.KEY_GROUPS;
import static dev.spillway.backend.IncrementalBackends.get;
import static dev.spillway.backend.IncrementalBackends.put;
import static dev.spillway.backend.IncrementalBackends.snapshot;
import static dev.spillway.backend.IncrementalBackends.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Native incremental checkpoints through the keyed backend's public API: what a checkpoint uploads
 * and what it refers to, restore by adoption with rescaling and state-id remapping, and the errors
 * for damaged files.
 */
class SpillwayIncrementalCheckpointTest {

    private static final CheckpointOptions CHECKPOINT =
            CheckpointOptions.forCheckpointWithDefaultLocation();

    @TempDir Path checkpoints;

    private final List<CheckpointableKeyedStateBackend<?>> backends = new ArrayList<>();

    @AfterEach
    void dispose() {
        for (CheckpointableKeyedStateBackend<?> backend : backends) {
            backend.dispose();
            IOUtils.closeQuietly(backend);
        }
    }

    private CheckpointableKeyedStateBackend<Integer> backend(
            StateStoreFactory store, KeyGroupRange range, List<KeyedStateHandle> handles)
            throws Exception {
        return backend(new SpillwayStateBackend(store, true), range, handles);
    }

    /** At MEMORY_AND_DISK_SER: every put reaches the store at once, for tests that count runs. */
    private CheckpointableKeyedStateBackend<Integer> serializedBackend(
            StateStoreFactory store, KeyGroupRange range, List<KeyedStateHandle> handles)
            throws Exception {
        Configuration serialized = new Configuration();
        serialized.set(StateOptions.STORAGE_LEVEL, StorageLevel.MEMORY_AND_DISK_SER);
        return backend(
                new SpillwayStateBackend(store, true)
                        .configure(serialized, getClass().getClassLoader()),
                range,
                handles);
    }

    private CheckpointableKeyedStateBackend<Integer> backend(
            SpillwayStateBackend stateBackend, KeyGroupRange range, List<KeyedStateHandle> handles)
            throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend =
                IncrementalBackends.create(
                        stateBackend,
                        IncrementalBackends.environment(),
                        range,
                        handles);
        backends.add(backend);
        return backend;
    }

    private static StateStoreFactory spilling() {
        return new FixedBudgetStoreFactory(288 * 1024, 4 * 1024);
    }

    @Test
    void secondCheckpointUploadsOnlyNewRunsAndRestores() throws Exception {
        FixedBudgetStoreFactory store = new FixedBudgetStoreFactory(288 * 1024, 4 * 1024);
        CheckpointableKeyedStateBackend<Integer> backend = backend(store, ALL, List.of());
        int keys = 20_000;
        for (int key = 0; key < keys; key++) {
            put(backend, key, valueOf(key, 1));
        }
        store.lastOpened().compactFully();
        CheckpointStreamFactory streams = IncrementalBackends.files(checkpoints);
        SharedStateRegistry registry = new SharedStateRegistryImpl();

        IncrementalRemoteKeyedStateHandle first =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 1, streams, CHECKPOINT).getJobManagerOwnedSnapshot();
        assertThat(first.getSharedState())
                .extracting(HandleAndLocalPath::getHandle)
                .noneMatch(handle -> handle instanceof PlaceholderStreamStateHandle);
        first.registerSharedStates(registry, 1);
        ((SpillwayKeyedStateBackend<Integer>) backend).notifyCheckpointComplete(1);

        for (int key = 0; key < 10; key++) {
            put(backend, key, valueOf(key, 2));
        }
        IncrementalRemoteKeyedStateHandle second =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 2, streams, CHECKPOINT).getJobManagerOwnedSnapshot();

        HandleAndLocalPath largestRun =
                first.getSharedState().stream()
                        .max(Comparator.comparingLong(HandleAndLocalPath::getStateSize))
                        .orElseThrow();
        assertThat(runsByName(second).get(largestRun.getLocalPath()))
                .as("the compacted run confirmed by checkpoint 1")
                .isInstanceOf(PlaceholderStreamStateHandle.class);
        Set<String> firstNames = runsByName(first).keySet();
        for (HandleAndLocalPath run : second.getSharedState()) {
            assertThat(run.getHandle() instanceof PlaceholderStreamStateHandle)
                    .as("run %s is a placeholder exactly when checkpoint 1 uploaded it", run)
                    .isEqualTo(firstNames.contains(run.getLocalPath()));
        }
        assertThat(second.getCheckpointedSize())
                .isLessThan(first.getCheckpointedSize() / 2)
                .isLessThan(largestRun.getStateSize());
        second.registerSharedStates(registry, 2);

        // Savepoints and full checkpoints upload everything even with a confirmed base.
        for (CheckpointOptions options :
                List.of(
                        new CheckpointOptions(
                                SavepointType.savepoint(SavepointFormatType.NATIVE),
                                CheckpointStorageLocationReference.getDefault()),
                        new CheckpointOptions(
                                CheckpointType.FULL_CHECKPOINT,
                                CheckpointStorageLocationReference.getDefault()))) {
            IncrementalRemoteKeyedStateHandle full =
                    (IncrementalRemoteKeyedStateHandle)
                            snapshot(backend, 3, streams, options).getJobManagerOwnedSnapshot();
            assertThat(full.getSharedState())
                    .extracting(HandleAndLocalPath::getHandle)
                    .noneMatch(handle -> handle instanceof PlaceholderStreamStateHandle);
            assertThat(full.getCheckpointedSize()).isGreaterThan(largestRun.getStateSize());
        }

        CheckpointableKeyedStateBackend<Integer> restored =
                backend(spilling(), ALL, List.of(second));
        for (int key = 0; key < keys; key++) {
            assertThat(get(restored, key)).isEqualTo(valueOf(key, key < 10 ? 2 : 1));
        }
        assertThat(((SpillwayKeyedStateBackend<Integer>) restored).numKeyValueStateEntries())
                .isEqualTo(keys);
    }

    /**
     * A merge of runs the confirmed checkpoint holds is not uploaded again: the next checkpoint
     * lists its inputs (placeholders) instead, and restores from them. A merge of such a merge,
     * whose input was never uploaded, is uploaded: a checkpoint refers only to runs that the
     * confirmed checkpoint lists.
     */
    @Test
    void aMergeOfConfirmedRunsIsListedAsItsInputsNotUploaded() throws Exception {
        // No merges but the explicit ones, so that the test decides what each merge takes.
        FixedBudgetStoreFactory store = new FixedBudgetStoreFactory(288 * 1024, 4 * 1024, 64);
        CheckpointableKeyedStateBackend<Integer> backend = serializedBackend(store, ALL, List.of());
        SpillwayKeyedStateBackend<Integer> spillway = (SpillwayKeyedStateBackend<Integer>) backend;
        int keys = 20_000;
        for (int key = 0; key < keys; key++) {
            put(backend, key, valueOf(key, 1));
        }
        // One run, so that no merge is due before the test's own.
        store.lastOpened().compactFully();
        CheckpointStreamFactory streams = IncrementalBackends.files(checkpoints);
        SharedStateRegistry registry = new SharedStateRegistryImpl();
        IncrementalRemoteKeyedStateHandle confirmed = null;
        for (long checkpoint = 1; checkpoint <= 3; checkpoint++) {
            for (int key = 0; key < 1_000; key++) {
                put(backend, (int) checkpoint * 1_000 + key, valueOf(key, (int) checkpoint + 1));
            }
            confirmed =
                    (IncrementalRemoteKeyedStateHandle)
                            snapshot(backend, checkpoint, streams, CHECKPOINT)
                                    .getJobManagerOwnedSnapshot();
            confirmed.registerSharedStates(registry, checkpoint);
            spillway.notifyCheckpointComplete(checkpoint);
        }
        long allRuns = confirmed.getStateSize();

        store.lastOpened().compactFully();
        for (int key = 0; key < 10; key++) {
            put(backend, key, valueOf(key, 9));
        }
        IncrementalRemoteKeyedStateHandle fourth =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 4, streams, CHECKPOINT).getJobManagerOwnedSnapshot();
        Set<String> confirmedRuns = runsByName(confirmed).keySet();
        List<HandleAndLocalPath> uploaded =
                fourth.getSharedState().stream()
                        .filter(run -> !(run.getHandle() instanceof PlaceholderStreamStateHandle))
                        .collect(Collectors.toList());
        assertThat(uploaded).as("only the snapshot run of the ten changed keys").hasSize(1);
        assertThat(fourth.getCheckpointedSize()).isLessThan(allRuns / 20);
        assertThat(fourth.getSharedState())
                .filteredOn(run -> run.getHandle() instanceof PlaceholderStreamStateHandle)
                .extracting(HandleAndLocalPath::getLocalPath)
                .as("the merged runs, listed in place of their merge")
                .containsExactlyInAnyOrderElementsOf(confirmedRuns);
        fourth.registerSharedStates(registry, 4);
        spillway.notifyCheckpointComplete(4);

        for (int key = 10; key < 20; key++) {
            put(backend, key, valueOf(key, 9));
        }
        store.lastOpened().compactFully();
        IncrementalRemoteKeyedStateHandle fifth =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 5, streams, CHECKPOINT).getJobManagerOwnedSnapshot();
        assertThat(fifth.getCheckpointedSize())
                .as("a merge whose input was never uploaded is uploaded")
                .isGreaterThan(allRuns / 2);
        fifth.registerSharedStates(registry, 5);

        for (IncrementalRemoteKeyedStateHandle handle : List.of(fourth, fifth)) {
            CheckpointableKeyedStateBackend<Integer> restored =
                    backend(spilling(), ALL, List.of(handle));
            int changedBelow = handle == fourth ? 10 : 20;
            for (int key = 0; key < keys; key++) {
                String expected =
                        key < changedBelow
                                ? valueOf(key, 9)
                                : key >= 1_000 && key < 4_000
                                        ? valueOf(key % 1_000, key / 1_000 + 1)
                                        : valueOf(key, 1);
                assertThat(get(restored, key)).as("key %d from %s", key, handle).isEqualTo(expected);
            }
        }
    }

    @Test
    void listAppendsOverAdoptedRunsSurviveRestoreChains() throws Exception {
        ListStateDescriptor<Integer> descriptor =
                new ListStateDescriptor<>("list", IntSerializer.INSTANCE);
        SharedStateRegistry registry = new SharedStateRegistryImpl();
        CheckpointStreamFactory streams = IncrementalBackends.files(checkpoints);
        List<KeyedStateHandle> handles = List.of();
        List<Integer> expected = new ArrayList<>();
        // No background compaction: one that merged the adopted runs before the first checkpoint
        // after a restore would leave nothing to refer to (the test was flaky that way).
        SpillableStoreFactory noCompaction =
                SpillableStoreFactory.fromConfig(
                        new Configuration().set(StoreOptions.COMPACTION_TRIGGER, 64));
        for (int round = 0; round < 3; round++) {
            CheckpointableKeyedStateBackend<Integer> backend =
                    backend(noCompaction, ALL, handles);
            for (int checkpoint = 0; checkpoint < 3; checkpoint++) {
                int element = round * 100 + checkpoint;
                for (int key = 0; key < 5; key++) {
                    backend.setCurrentKey(key);
                    list(backend, descriptor).add(element);
                }
                expected.add(element);
                long id = round * 10L + checkpoint + 1;
                IncrementalRemoteKeyedStateHandle handle =
                        (IncrementalRemoteKeyedStateHandle)
                                snapshot(backend, id, streams, CHECKPOINT)
                                        .getJobManagerOwnedSnapshot();
                // The first checkpoint after a restore refers to the adopted runs.
                if (round > 0 && checkpoint == 0) {
                    assertThat(handle.getSharedState())
                            .as("the adopted runs are referred to, not uploaded again")
                            .anyMatch(
                                    run -> run.getHandle() instanceof PlaceholderStreamStateHandle);
                }
                handle.registerSharedStates(registry, id);
                ((SpillwayKeyedStateBackend<Integer>) backend).notifyCheckpointComplete(id);
                handles = List.of(handle);
            }
        }
        CheckpointableKeyedStateBackend<Integer> restored =
                backend(SpillableStoreFactory.withDefaults(), ALL, handles);
        for (int key = 0; key < 5; key++) {
            restored.setCurrentKey(key);
            assertThat(list(restored, descriptor).get()).containsExactlyElementsOf(expected);
        }
    }

    private static ListState<Integer> list(
            CheckpointableKeyedStateBackend<Integer> backend,
            ListStateDescriptor<Integer> descriptor)
            throws Exception {
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }

    @Test
    void restoreAdoptsRunsAcrossRescalingAndRemapsStateIds() throws Exception {
        KeyGroupRange left = KeyGroupRange.of(0, KEY_GROUPS / 2 - 1);
        KeyGroupRange right = KeyGroupRange.of(KEY_GROUPS / 2, KEY_GROUPS - 1);
        MapStateDescriptor<Integer, String> mapDescriptor =
                new MapStateDescriptor<>("map", IntSerializer.INSTANCE, StringSerializer.INSTANCE);
        ValueStateDescriptor<String> valueDescriptor = IncrementalBackends.VALUE;
        CheckpointStreamFactory streams = IncrementalBackends.files(checkpoints);
        int keys = 4_000;

        // The two old subtasks register their states in opposite orders: different state ids.
        List<KeyedStateHandle> handles = new ArrayList<>();
        for (KeyGroupRange range : List.of(left, right)) {
            CheckpointableKeyedStateBackend<Integer> old = backend(spilling(), range, List.of());
            boolean mapFirst = range == right;
            if (mapFirst) {
                map(old, mapDescriptor);
            }
            ValueState<String> value =
                    old.getPartitionedState(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            valueDescriptor);
            MapState<Integer, String> map = map(old, mapDescriptor);
            for (int key = 0; key < keys; key++) {
                if (range.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, KEY_GROUPS))) {
                    old.setCurrentKey(key);
                    value.update(valueOf(key, 1));
                    map.put(key % 7, "m" + key);
                }
            }
            handles.add(snapshot(old, 1, streams, CHECKPOINT).getJobManagerOwnedSnapshot());
        }

        // Scale in: one backend adopts both handles' runs.
        CheckpointableKeyedStateBackend<Integer> merged = backend(spilling(), ALL, handles);
        checkKeys(merged, mapDescriptor, ALL, keys, 1);
        KeyedStateHandle mergedHandle =
                snapshot(merged, 2, streams, CHECKPOINT).getJobManagerOwnedSnapshot();

        // Scale out to three: each sees exactly its key groups, in reads, scans and snapshots,
        // and uploads none of the others: after each part updates its own keys, merging the
        // three again must not let one part's copy of another's key groups shadow the update.
        List<KeyedStateHandle> parts = new ArrayList<>();
        for (int index = 0; index < 3; index++) {
            KeyGroupRange range =
                    KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                            KEY_GROUPS, 3, index);
            CheckpointableKeyedStateBackend<Integer> part =
                    backend(spilling(), range, List.of(mergedHandle));
            checkKeys(part, mapDescriptor, range, keys, 1);
            for (int key = 0; key < keys; key++) {
                if (range.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, KEY_GROUPS))) {
                    put(part, key, valueOf(key, 2));
                }
            }
            parts.add(snapshot(part, 3, streams, CHECKPOINT).getJobManagerOwnedSnapshot());
        }
        checkKeys(backend(spilling(), ALL, parts), mapDescriptor, ALL, keys, 2);
    }

    private static MapState<Integer, String> map(
            CheckpointableKeyedStateBackend<Integer> backend,
            MapStateDescriptor<Integer, String> descriptor)
            throws Exception {
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }

    private static void checkKeys(
            CheckpointableKeyedStateBackend<Integer> backend,
            MapStateDescriptor<Integer, String> mapDescriptor,
            KeyGroupRange range,
            int keys,
            int version)
            throws Exception {
        List<Integer> owned = new ArrayList<>();
        for (int key = 0; key < keys; key++) {
            if (range.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, KEY_GROUPS))) {
                owned.add(key);
            }
        }
        MapState<Integer, String> map = map(backend, mapDescriptor);
        for (int key : owned) {
            assertThat(get(backend, key)).isEqualTo(valueOf(key, version));
            assertThat(map.get(key % 7)).isEqualTo("m" + key);
        }
        try (var stream =
                backend.getKeys(IncrementalBackends.VALUE.getName(), VoidNamespace.INSTANCE)) {
            assertThat(stream.collect(Collectors.toList()))
                    .containsExactlyInAnyOrderElementsOf(owned);
        }
        try (var stream = backend.getKeys(mapDescriptor.getName(), VoidNamespace.INSTANCE)) {
            assertThat(stream.collect(Collectors.toList()))
                    .containsExactlyInAnyOrderElementsOf(owned);
        }
        assertThat(((SpillwayKeyedStateBackend<Integer>) backend).numKeyValueStateEntries())
                .isEqualTo(2 * owned.size());
    }

    @Test
    void localRecoveryRestoresFromTheLocalCopyAlone(@TempDir Path localState) throws Exception {
        LocalRecoveryConfig localRecovery =
                LocalRecoveryConfig.backupAndRecoveryEnabled(
                        new LocalSnapshotDirectoryProviderImpl(
                                localState.toFile(), new JobID(), new JobVertexID(), 0));
        MockEnvironment env =
                MockEnvironment.builder()
                        .setTaskStateManager(new TestTaskStateManager(localRecovery))
                        .build();
        CheckpointableKeyedStateBackend<Integer> backend =
                IncrementalBackends.create(
                        new SpillwayStateBackend(spilling(), true), env, ALL, List.of());
        int keys = 5_000;
        for (int key = 0; key < keys; key++) {
            put(backend, key, valueOf(key, 1));
        }
        Path remote = checkpoints.resolve("remote");
        SnapshotResult<KeyedStateHandle> result =
                snapshot(backend, 1, IncrementalBackends.files(remote), CHECKPOINT);
        backend.dispose();
        IOUtils.closeQuietly(backend);
        assertThat(result.getTaskLocalSnapshot())
                .isInstanceOf(IncrementalLocalKeyedStateHandle.class);
        assertThat(
                        ((IncrementalLocalKeyedStateHandle) result.getTaskLocalSnapshot())
                                .getSharedStateHandles())
                .hasSize(
                        ((IncrementalRemoteKeyedStateHandle) result.getJobManagerOwnedSnapshot())
                                .getSharedState()
                                .size());

        // Without the checkpoint storage's files only the local copy can serve the restore.
        FileUtils.deleteDirectory(remote.toFile());
        CheckpointableKeyedStateBackend<Integer> restored =
                backend(spilling(), ALL, List.of(result.getTaskLocalSnapshot()));
        for (int key = 0; key < keys; key++) {
            assertThat(get(restored, key)).isEqualTo(valueOf(key, 1));
        }
    }

    @Test
    void rocksdbIncrementalCheckpointIsRefusedWithTheWayOut() throws Exception {
        CheckpointableKeyedStateBackend<Integer> rocks =
                IncrementalBackends.create(
                        new EmbeddedRocksDBStateBackend(true),
                        IncrementalBackends.environment(),
                        ALL,
                        List.of());
        backends.add(rocks);
        put(rocks, 1, "one");
        KeyedStateHandle handle =
                snapshot(rocks, 1, IncrementalBackends.files(checkpoints), CHECKPOINT)
                        .getJobManagerOwnedSnapshot();
        assertThat(handle).isInstanceOf(IncrementalRemoteKeyedStateHandle.class);

        assertThatThrownBy(() -> backend(spilling(), ALL, List.of(handle)))
                .hasMessageContaining("not a Spillway incremental checkpoint")
                .hasMessageContaining("rocksdb")
                .hasMessageContaining("canonical savepoint");
    }

    @Test
    void rocksdbRefusesSpillwayIncrementalCheckpointAtTheMagic() throws Exception {
        CheckpointableKeyedStateBackend<Integer> spillway = backend(spilling(), ALL, List.of());
        put(spillway, 1, "one");
        KeyedStateHandle handle =
                snapshot(spillway, 1, IncrementalBackends.files(checkpoints), CHECKPOINT)
                        .getJobManagerOwnedSnapshot();

        assertThatThrownBy(
                        () ->
                                backends.add(
                                        IncrementalBackends.create(
                                                new EmbeddedRocksDBStateBackend(true),
                                                IncrementalBackends.environment(),
                                                ALL,
                                                List.of(handle))))
                .rootCause()
                .hasMessageContaining("Incompatible version: found " + IncrementalFormat.MAGIC);
    }

    @Test
    void truncatedRunFailsNamingTheFileAndTheWayOut() throws Exception {
        FileStateHandle run = damagedRunOfNewCheckpoint(false);
        assertThatThrownBy(() -> backend(spilling(), ALL, List.of(lastHandle)))
                .rootCause()
                .hasMessageContaining(run.getFilePath().toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining(
                        "restore the job from an earlier checkpoint or from a savepoint");
    }

    @Test
    void corruptRunFailsNamingTheRunAndTheWayOut() throws Exception {
        damagedRunOfNewCheckpoint(true);
        String runName = lastHandle.getSharedState().get(0).getLocalPath();
        assertThatThrownBy(() -> backend(spilling(), ALL, List.of(lastHandle)))
                .hasMessageContaining(runName)
                .hasMessageContaining("unreadable")
                .hasMessageContaining(
                        "restore the job from an earlier checkpoint or from a savepoint");
    }

    private IncrementalRemoteKeyedStateHandle lastHandle;

    /** Checkpoints a spilled backend and damages the file of its first (newest) run. */
    private FileStateHandle damagedRunOfNewCheckpoint(boolean keepLength) throws Exception {
        CheckpointableKeyedStateBackend<Integer> backend = backend(spilling(), ALL, List.of());
        for (int key = 0; key < 5_000; key++) {
            put(backend, key, valueOf(key, 1));
        }
        lastHandle =
                (IncrementalRemoteKeyedStateHandle)
                        snapshot(backend, 1, IncrementalBackends.files(checkpoints), CHECKPOINT)
                                .getJobManagerOwnedSnapshot();
        FileStateHandle run = (FileStateHandle) lastHandle.getSharedState().get(0).getHandle();
        try (RandomAccessFile file =
                new RandomAccessFile(Paths.get(run.getFilePath().toUri()).toFile(), "rw")) {
            if (keepLength) {
                file.seek(file.length() - 12);
                file.write(new byte[] {1, 2, 3, 4});
            } else {
                file.setLength(file.length() / 2);
            }
        }
        return run;
    }

    private static Map<String, org.apache.flink.runtime.state.StreamStateHandle> runsByName(
            IncrementalRemoteKeyedStateHandle handle) {
        Map<String, org.apache.flink.runtime.state.StreamStateHandle> runs = new HashMap<>();
        for (HandleAndLocalPath run : handle.getSharedState()) {
            runs.put(run.getLocalPath(), run.getHandle());
        }
        return runs;
    }
}
