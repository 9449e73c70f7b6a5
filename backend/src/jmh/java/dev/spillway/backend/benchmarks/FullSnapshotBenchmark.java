package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.CheckpointStorageLocationReference;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.operators.StreamOperatorStateHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.util.SplittableRandom;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One checkpoint of a keyed backend whose state is larger than its managed memory: the
 * synchronous part and the asynchronous part run to completion into checkpoint files on local
 * disk, one checkpoint per operation. Measures what a job's checkpoint of that operator costs:
 * with {@code incremental=false} a full checkpoint, which both rocksdb and Spillway take in their
 * native format (their files copied whole); with {@code incremental=true} an incremental one (each
 * measured checkpoint follows an update of 1% of the keys, so it has something new to write); with
 * {@code canonicalSavepoint=true} a canonical savepoint instead, which every backend writes entry
 * by entry in Flink's canonical format (as Flink's operators take it).
 *
 * <p>Every backend gets the same managed memory ({@value #BUDGET_MB} MiB); the hashmap backend
 * gets that much heap on top of the harness, and fails with an OutOfMemoryError when the state
 * does not fit (which is the point of the other two).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx" + FullSnapshotBenchmark.FORK_HEAP_MB + "m", "-XX:MaxDirectMemorySize=256m"})
public class FullSnapshotBenchmark {

    static final int BUDGET_MB = 64;
    static final int FORK_HEAP_MB = 512 + BUDGET_MB;
    private static final int VALUE_BYTES = 100;

    @Param({"ROCKSDB", "SPILLWAY"})
    public BackendUnderTest backend;

    /** 500k keys of 100-byte values: about 4x the budget in raw payload, more as stored. */
    @Param({"500000"})
    public int keys;

    @Param({"false", "true"})
    public boolean incremental;

    /** Takes a canonical savepoint per operation instead of a checkpoint. */
    @Param({"false"})
    public boolean canonicalSavepoint;

    private KeyedBackendFixture fixture;
    private CheckpointableKeyedStateBackend<Long> keyedBackend;
    private ValueState<byte[]> state;
    private FsCheckpointStreamFactory streams;
    private final SplittableRandom random = new SplittableRandom(20261127L);
    private long checkpointId;

    @Setup(Level.Trial)
    public void load() throws Exception {
        Configuration options = new Configuration();
        options.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incremental);
        fixture = KeyedBackendFixture.open(backend, BUDGET_MB * 1024L * 1024L, options);
        keyedBackend = fixture.keyedBackend();
        ValueStateDescriptor<byte[]> descriptor =
                new ValueStateDescriptor<>("value", BytePrimitiveArraySerializer.INSTANCE);
        state =
                keyedBackend.getPartitionedState(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
        for (long key = 0; key < keys; key++) {
            keyedBackend.setCurrentKey(key);
            state.update(randomValue());
        }
        if (keyedBackend instanceof RocksDBKeyedStateBackend) {
            ((RocksDBKeyedStateBackend<Long>) keyedBackend).compactState(descriptor);
        }
        File checkpoints = new File(fixture.localDir(), "checkpoints");
        Path directory = Path.fromLocalFile(checkpoints);
        streams =
                new FsCheckpointStreamFactory(
                        LocalFileSystem.getSharedInstance(), directory, directory, 20_480, 4096);
    }

    /** Changes 1% of the keys, as a job does between two checkpoints. */
    @Setup(Level.Invocation)
    public void updateSome() throws Exception {
        for (int i = 0; i < keys / 100; i++) {
            keyedBackend.setCurrentKey((long) random.nextInt(keys));
            state.update(randomValue());
        }
    }

    @Benchmark
    public long checkpoint() throws Exception {
        long id = ++checkpointId;
        RunnableFuture<SnapshotResult<KeyedStateHandle>> snapshot =
                canonicalSavepoint
                        ? StreamOperatorStateHandler.prepareCanonicalSavepoint(
                                        keyedBackend, new CloseableRegistry())
                                .snapshot(
                                        id,
                                        System.currentTimeMillis(),
                                        streams,
                                        new CheckpointOptions(
                                                SavepointType.savepoint(
                                                        SavepointFormatType.CANONICAL),
                                                CheckpointStorageLocationReference.getDefault()))
                        : keyedBackend.snapshot(
                                id,
                                System.currentTimeMillis(),
                                streams,
                                CheckpointOptions.forCheckpointWithDefaultLocation());
        snapshot.run();
        SnapshotResult<KeyedStateHandle> result = snapshot.get();
        long size = result.getStateSize();
        if (keyedBackend instanceof CheckpointListener) {
            ((CheckpointListener) keyedBackend).notifyCheckpointComplete(id);
        }
        return size;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    private byte[] randomValue() {
        byte[] value = new byte[VALUE_BYTES];
        random.nextBytes(value);
        return value;
    }
}
