package dev.spillway.backend;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
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

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole jobs on a MiniCluster with Spillway selected the way users select it ({@code
 * state.backend.type: dev.spillway.backend.SpillwayStateBackendFactory}): exactly-once state
 * after an injected failure, and every value kept across canonical savepoints that switch
 * backends and parallelism.
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
        long count = 6_000;
        Configuration config = jobConfiguration(SPILLWAY);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(50));
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        env.enableCheckpointing(50, CheckpointingMode.EXACTLY_ONCE);

        // Rate-limited so that the job outlives its first checkpoints: the failure comes after one.
        DataStream<Long> input =
                numbers(env, count, 4_000).map(new FailOnceAfterCheckpoint()).returns(Types.LONG);

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

    /**
     * Runs the same job once per backend: every run but the last is stopped with a canonical
     * savepoint part-way through its input, the next run restores it, and the last runs to the
     * end and must report exactly the state of a run that saw every record once.
     */
    private void runThroughSavepoints(String[] backends, int[] parallelisms) throws Exception {
        long count = 3_000;
        String savepoint = null;
        for (int run = 0; run < backends.length; run++) {
            Configuration config = jobConfiguration(backends[run]);
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
            savepoint = stopWithSavepoint(job);
        }
    }

    /** The numbers {@code 0 .. count-1}, at most {@code perSecond} of them a second. */
    private static DataStream<Long> numbers(
            StreamExecutionEnvironment env, long count, double perSecond) {
        return env.fromSource(
                new DataGeneratorSource<>(
                        index -> index, count, RateLimiterStrategy.perSecond(perSecond), Types.LONG),
                WatermarkStrategy.noWatermarks(),
                "numbers");
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
    private String stopWithSavepoint(JobClient job) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return job.stopWithSavepoint(
                                false,
                                savepoints.toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get();
            } catch (ExecutionException e) {
                if (attempt == 20) {
                    throw e;
                }
                Thread.sleep(100);
            }
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
    private static final class FailOnceAfterCheckpoint
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
