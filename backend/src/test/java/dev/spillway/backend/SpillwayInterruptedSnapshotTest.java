package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.state.StorageLevel;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static dev.spillway.backend.IncrementalBackends.ALL;
import static dev.spillway.backend.IncrementalBackends.get;
import static dev.spillway.backend.IncrementalBackends.put;
import static dev.spillway.backend.IncrementalBackends.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink cancels an asynchronous snapshot by interrupting its thread, and a {@code FileChannel}
 * interrupted during a read closes itself. A full snapshot whose thread is interrupted in the
 * middle of the scan must fail alone: the runs it was reading stay readable for the task, and the
 * next checkpoint restores every value.
 */
class SpillwayInterruptedSnapshotTest {

    private static final int KEYS = 20_000;

    @TempDir Path checkpoints;

    @Test
    void anInterruptedFullSnapshotLeavesTheRunsReadable() throws Exception {
        // Compaction only when asked: the run the snapshot reads stays the store's run.
        FixedBudgetStoreFactory stores = new FixedBudgetStoreFactory(288 * 1024, 4 * 1024, 64);
        // Serialized level: the values must be in the store's run, not in the object tier.
        Configuration serialized = new Configuration();
        serialized.set(StateOptions.STORAGE_LEVEL, StorageLevel.MEMORY_AND_DISK_SER);
        SpillwayStateBackend backend =
                new SpillwayStateBackend(stores).configure(serialized, getClass().getClassLoader());
        MockEnvironment env = IncrementalBackends.environment();
        CheckpointableKeyedStateBackend<Integer> keyed =
                IncrementalBackends.create(backend, env, ALL, Collections.emptyList());
        try {
            for (int key = 0; key < KEYS; key++) {
                put(keyed, key, valueOf(key, 1));
            }
            // One large run that nothing replaces meanwhile: the snapshot reads it, and so do
            // the reads after it.
            stores.lastOpened().compactFully();
            CheckpointOptions options = CheckpointOptions.forCheckpointWithDefaultLocation();

            // The writer's thread is interrupted once some bytes are out, as Flink does when it
            // aborts a checkpoint whose asynchronous part is still running. Flink's writer notices
            // at the next key-group boundary, the scan's next read may come first: interrupting at
            // many points makes both happen.
            long checkpointId = 0;
            for (int kib = 40; kib <= 240; kib += 8) {
                checkpointId++;
                CheckpointStreamFactory interrupting =
                        interrupting(
                                IncrementalBackends.files(checkpoints.resolve("a" + checkpointId)),
                                kib << 10);
                Throwable failure = runOnOwnThread(keyed.snapshot(checkpointId, checkpointId, interrupting, options));
                assertThat(failure).as("the snapshot interrupted after %s KiB fails", kib).isNotNull();
            }

            for (int key = 0; key < KEYS; key++) {
                assertThat(get(keyed, key)).as("key %s", key).isEqualTo(valueOf(key, 1));
            }
            stores.lastOpened().compactFully();

            KeyedStateHandle handle =
                    IncrementalBackends.snapshot(
                                    keyed,
                                    checkpointId + 1,
                                    IncrementalBackends.files(checkpoints.resolve("last")),
                                    options)
                            .getJobManagerOwnedSnapshot();
            CheckpointableKeyedStateBackend<Integer> restored =
                    IncrementalBackends.create(
                            backend, IncrementalBackends.environment(), ALL, List.of(handle));
            try {
                for (int key = 0; key < KEYS; key++) {
                    assertThat(get(restored, key)).isEqualTo(valueOf(key, 1));
                }
            } finally {
                restored.dispose();
            }
        } finally {
            keyed.dispose();
        }
    }

    /** Runs a snapshot's asynchronous part on a thread of its own; returns its failure or null. */
    private static Throwable runOnOwnThread(RunnableFuture<SnapshotResult<KeyedStateHandle>> snapshot)
            throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread asyncPart =
                new Thread(
                        () -> {
                            snapshot.run();
                            try {
                                snapshot.get();
                            } catch (ExecutionException e) {
                                failure.set(e.getCause());
                            } catch (InterruptedException e) {
                                failure.set(e);
                            }
                        },
                        "async-snapshot");
        asyncPart.start();
        asyncPart.join();
        return failure.get();
    }

    /** Streams of a delegate that interrupt the writing thread once a number of bytes passed. */
    private static CheckpointStreamFactory interrupting(CheckpointStreamFactory delegate, long after) {
        return new HookedCheckpointStreams(
                delegate,
                scope ->
                        (written, bytes) -> {
                            if (written < after && written + bytes >= after) {
                                Thread.currentThread().interrupt();
                            }
                        });
    }
}
