package dev.spillway.backend;

import dev.spillway.backend.config.StoreOptions;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole jobs on a MiniCluster with Spillway selected the way users select it ({@code
 * state.backend.type: dev.spillway.backend.SpillwayStateBackendFactory}): exactly-once state after
 * an injected failure (full, and incremental), and every value kept across savepoints that switch
 * backends and parallelism (canonical, and native incremental).
 */
class SpillwayMiniClusterTest {

    private static final String SPILLWAY = SpillwayStateBackendFactory.class.getName();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .setConfiguration(clusterConfiguration())
                            .build());

    @TempDir Path savepoints;

    private static Configuration clusterConfiguration() {
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64));
        return config;
    }

    @BeforeEach
    void resetProgress() {
        EveryStateKindFunction.PROCESSED.set(0);
        FailOnceAfterCheckpoint.FAILED.set(false);
    }

    @Test
    void failureRestoresFromCheckpointWithExactlyOnceState() throws Exception {
        runWithInjectedFailure(new Configuration(), 4_000);
    }

    /**
     * Restores from native incremental checkpoints (local recovery: {@link
     * SpillwayLocalRecoveryTest}).
     */
    @Test
    void failureRestoresFromIncrementalCheckpointWithExactlyOnceState() throws Exception {
        runWithInjectedFailure(incremental(), 4_000);
    }

    /**
     * The failure test's job: a checkpointed run with one failure after a checkpoint, its input
     * rate-limited to {@code perSecond} so that the job outlives its first checkpoints.
     */
    static void runWithInjectedFailure(Configuration extra, double perSecond) throws Exception {
        long count = 6_000;
        Configuration config = jobConfiguration(SPILLWAY);
        config.addAll(extra);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(50));
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        env.enableCheckpointing(50, CheckpointingMode.EXACTLY_ONCE);

        // Rate-limited so that the job outlives its first checkpoints: the failure comes after one.
        DataStream<Long> input =
                numbers(env, count, perSecond)
                        .map(new FailOnceAfterCheckpoint())
                        .returns(Types.LONG);

        assertThat(collect(everyStateKind(input)))
                .containsExactlyInAnyOrderElementsOf(EveryStateKindFunction.expected(count));
        assertThat(FailOnceAfterCheckpoint.FAILED).isTrue();
    }

    @Test
    void savepointsMoveStateFromHashMapThroughSpillwayToRocksDb() throws Exception {
        runThroughSavepoints(new String[] {"hashmap", SPILLWAY, "rocksdb"}, new int[] {2, 3, 1});
    }

    @Test
    void rescalingKeepsEveryValue() throws Exception {
        runThroughSavepoints(new String[] {SPILLWAY, SPILLWAY, SPILLWAY}, new int[] {2, 3, 1});
    }

    /** Native savepoints of incremental Spillway are restored by adopting runs, rescaled. */
    @Test
    void rescalingThroughIncrementalNativeSavepointsKeepsEveryValue() throws Exception {
        runThroughSavepoints(
                new String[] {SPILLWAY, SPILLWAY, SPILLWAY},
                new int[] {2, 3, 1},
                SavepointFormatType.NATIVE,
                incremental());
    }

    /** With incremental checkpoints on, canonical savepoints stay readable by other backends. */
    @Test
    void canonicalSavepointsOfIncrementalSpillwayMoveToRocksDb() throws Exception {
        runThroughSavepoints(
                new String[] {"hashmap", SPILLWAY, "rocksdb"},
                new int[] {2, 3, 1},
                SavepointFormatType.CANONICAL,
                incremental());
    }

    /**
     * Retained incremental checkpoints: a CLAIM restore at the same parallelism takes over the
     * restored files (its checkpoints refer to the first run's uploads instead of uploading them
     * again), and a NO_CLAIM restore of its checkpoint at another parallelism still has every
     * value.
     */
    @Test
    void retainedIncrementalCheckpointsRestoreInClaimThenNoClaimMode(@TempDir Path checkpoints)
            throws Exception {
        long count = 3_000;
        Configuration extra = incremental();
        extra.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        extra.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        extra.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(50));
        // Every checkpoint's run joins the store; with the default trigger a compaction would
        // soon merge the adopted runs into a new one, which the CLAIM checkpoint then uploads
        // (legitimately) instead of referring to the first job's files.
        extra.set(StoreOptions.COMPACTION_TRIGGER, 64);

        JobClient first = startAndProgress(extra, null, 2, count, count / 5, checkpoints);
        Path firstCheckpoint = cancelAndFindLatestCheckpoint(first, checkpoints);

        extra.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        JobClient second =
                startAndProgress(
                        extra,
                        firstCheckpoint.toUri().toString(),
                        2,
                        count,
                        count / 5,
                        checkpoints);
        Path secondCheckpoint = cancelAndFindLatestCheckpoint(second, checkpoints);
        String firstJobDirectory = first.getJobID().toString();
        assertThat(keyedStateHandles(secondCheckpoint.toUri().toString()))
                .as("the CLAIM restore's checkpoint refers to files of the first job")
                .anySatisfy(
                        handle ->
                                assertThat(
                                                ((IncrementalRemoteKeyedStateHandle) handle)
                                                        .getSharedState().stream()
                                                                .map(
                                                                        run ->
                                                                                run.getHandle()
                                                                                        .toString()))
                                        .anyMatch(file -> file.contains(firstJobDirectory)));

        Configuration last = jobConfiguration(SPILLWAY);
        last.addAll(incremental());
        last.set(StateRecoveryOptions.SAVEPOINT_PATH, secondCheckpoint.toUri().toString());
        last.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.NO_CLAIM);
        // The discarding sink of the earlier runs is replaced by the collecting one.
        last.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(last);
        env.setParallelism(3);
        env.enableCheckpointing(50, CheckpointingMode.EXACTLY_ONCE);
        assertThat(collect(everyStateKind(numbers(env, count, 1_000))))
                .containsExactlyInAnyOrderElementsOf(EveryStateKindFunction.expected(count));
    }

    /** Starts the job and returns once it processed the records and completed a checkpoint. */
    private static JobClient startAndProgress(
            Configuration extra,
            String restorePath,
            int parallelism,
            long count,
            long records,
            Path checkpoints)
            throws Exception {
        Configuration config = jobConfiguration(SPILLWAY);
        config.addAll(extra);
        if (restorePath != null) {
            config.set(StateRecoveryOptions.SAVEPOINT_PATH, restorePath);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(parallelism);
        everyStateKind(numbers(env, count, 1_000)).sinkTo(new DiscardingSink<>());
        long target = EveryStateKindFunction.PROCESSED.get() + records;
        JobClient job = env.executeAsync("incremental run");
        awaitProgress(job, target);
        long before = latestCheckpoint(job, checkpoints);
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (latestCheckpoint(job, checkpoints) <= before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("No checkpoint completed after checkpoint " + before);
            }
            Thread.sleep(10);
        }
        return job;
    }

    /** The id of the job's latest completed (metadata written) checkpoint, or -1. */
    private static long latestCheckpoint(JobClient job, Path checkpoints) throws Exception {
        Path jobDirectory = checkpoints.resolve(job.getJobID().toString());
        if (!Files.isDirectory(jobDirectory)) {
            return -1;
        }
        try (var directories = Files.list(jobDirectory)) {
            return directories
                    .filter(directory -> directory.getFileName().toString().startsWith("chk-"))
                    .filter(directory -> Files.exists(directory.resolve("_metadata")))
                    .mapToLong(
                            directory ->
                                    Long.parseLong(directory.getFileName().toString().substring(4)))
                    .max()
                    .orElse(-1);
        }
    }

    /** Cancels the job and returns its retained checkpoint's directory. */
    private static Path cancelAndFindLatestCheckpoint(JobClient job, Path checkpoints)
            throws Exception {
        job.cancel().get();
        while (!job.getJobStatus().get().isTerminalState()) {
            Thread.sleep(10);
        }
        long latest = latestCheckpoint(job, checkpoints);
        assertThat(latest).as("retained checkpoint").isNotNegative();
        return checkpoints.resolve(job.getJobID().toString()).resolve("chk-" + latest);
    }

    static Configuration incremental() {
        Configuration config = new Configuration();
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return config;
    }

    /**
     * Runs the same job once per backend: every run but the last is stopped with a canonical
     * savepoint part-way through its input, the next run restores it, and the last runs to the end
     * and must report exactly the state of a run that saw every record once.
     */
    private void runThroughSavepoints(String[] backends, int[] parallelisms) throws Exception {
        runThroughSavepoints(
                backends, parallelisms, SavepointFormatType.CANONICAL, new Configuration());
    }

    private void runThroughSavepoints(
            String[] backends, int[] parallelisms, SavepointFormatType format, Configuration extra)
            throws Exception {
        long count = 3_000;
        String savepoint = null;
        for (int run = 0; run < backends.length; run++) {
            Configuration config = jobConfiguration(backends[run]);
            config.addAll(extra);
            if (savepoint != null) {
                config.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            }
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(config);
            env.setParallelism(parallelisms[run]);
            DataStream<Long> input = numbers(env, count, 1_000);
            DataStream<String> reports = everyStateKind(input);
            if (run == backends.length - 1) {
                assertThat(collect(reports))
                        .containsExactlyInAnyOrderElementsOf(
                                EveryStateKindFunction.expected(count));
                return;
            }
            reports.sinkTo(new DiscardingSink<>());
            long progressTarget = EveryStateKindFunction.PROCESSED.get() + count / 20;
            JobClient job = env.executeAsync("run " + run + " on " + backends[run]);
            awaitProgress(job, progressTarget);
            savepoint = stopWithSavepoint(job, format);
            if (backends[run].equals(SPILLWAY)) {
                boolean nativeIncremental =
                        format == SavepointFormatType.NATIVE
                                && extra.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS);
                assertThat(keyedStateHandles(savepoint))
                        .isNotEmpty()
                        .allMatch(
                                handle ->
                                        handle instanceof IncrementalRemoteKeyedStateHandle
                                                == nativeIncremental,
                                nativeIncremental
                                        ? "Spillway incremental handles"
                                        : "canonical handles");
            }
        }
    }

    /** The numbers {@code 0 .. count-1}, at most {@code perSecond} of them a second. */
    private static DataStream<Long> numbers(
            StreamExecutionEnvironment env, long count, double perSecond) {
        return env.fromSource(
                        new DataGeneratorSource<>(
                                index -> index,
                                count,
                                RateLimiterStrategy.perSecond(perSecond),
                                Types.LONG),
                        WatermarkStrategy.noWatermarks(),
                        "numbers")
                .uid("numbers");
    }

    private static Configuration jobConfiguration(String backend) {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, backend);
        config.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        return config;
    }

    private static DataStream<String> everyStateKind(DataStream<Long> input) {
        return input.keyBy(EveryStateKindFunction::keyOf, Types.LONG)
                .process(new EveryStateKindFunction())
                // Stable across runs whose sinks differ (retained checkpoints carry the sink too).
                .uid("every-state-kind")
                .returns(Types.STRING);
    }

    private static List<String> collect(DataStream<String> reports) throws Exception {
        List<String> result = new ArrayList<>();
        try (CloseableIterator<String> it = reports.executeAndCollect()) {
            it.forEachRemaining(result::add);
        }
        return result;
    }

    /**
     * Stops the job with a canonical savepoint, retrying while a task is still starting (the
     * savepoint is then declined, and the job keeps running).
     */
    private String stopWithSavepoint(JobClient job, SavepointFormatType format) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return job.stopWithSavepoint(false, savepoints.toUri().toString(), format).get();
            } catch (ExecutionException e) {
                if (attempt == 20) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The keyed state handles of every subtask in a savepoint. */
    private static List<KeyedStateHandle> keyedStateHandles(String savepoint) throws Exception {
        CompletedCheckpointStorageLocation location =
                AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(savepoint);
        try (DataInputStream in =
                new DataInputStream(location.getMetadataHandle().openInputStream())) {
            CheckpointMetadata metadata =
                    Checkpoints.loadCheckpointMetadata(
                            in, SpillwayMiniClusterTest.class.getClassLoader(), savepoint);
            List<KeyedStateHandle> handles = new ArrayList<>();
            for (OperatorState operator : metadata.getOperatorStates()) {
                for (OperatorSubtaskState subtask : operator.getStates()) {
                    handles.addAll(subtask.getManagedKeyedState());
                }
            }
            return handles;
        }
    }

    /** Waits until the job has processed enough records; surfaces the job's failure if it ends. */
    private static void awaitProgress(JobClient job, long processed) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (EveryStateKindFunction.PROCESSED.get() < processed) {
            if (job.getJobStatus().get().isTerminalState()) {
                job.getJobExecutionResult().get();
                throw new AssertionError("The job ended before processing " + processed);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The job did not process " + processed + " records");
            }
            Thread.sleep(10);
        }
    }

    /** Fails the job once, at the first record after a checkpoint of this subtask completed. */
    static final class FailOnceAfterCheckpoint
            implements MapFunction<Long, Long>,
                    org.apache.flink.api.common.state.CheckpointListener {

        static final AtomicBoolean FAILED = new AtomicBoolean();

        private volatile boolean checkpointCompleted;

        @Override
        public Long map(Long value) {
            if (checkpointCompleted && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("Injected failure at " + value);
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted = true;
        }
    }
}
