package dev.spillway.backend;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spillway's counterpart of Flink's {@code IncrementalStateReuseAfterFailureITCase}, which runs on
 * the changelog backend only (its cluster configuration is private): state uploaded for a
 * checkpoint that then fails must not be reused by later incremental checkpoints.
 *
 * <p>Upstream of the keyed operator, another task fails the synchronous part of its snapshot, as
 * Flink's test does with its FAIL_SNAPSHOT command: three times, each time after a checkpoint of
 * the current attempt completed. Each failure aborts its checkpoint (whose state Flink deletes,
 * including runs the keyed operator's Spillway snapshot may already have uploaded) and fails the
 * job over to the last completed incremental checkpoint, whose runs are adopted; the restored
 * backends go on checkpointing incrementally. Finally the job fails once more, at a record after a
 * later checkpoint completed, and must end with exactly-once state. Had Spillway counted runs of an
 * aborted checkpoint as uploaded, or lost track of the adopted ones, a checkpoint would refer to
 * deleted files and a restore would fail.
 */
class SpillwayIncrementalStateReuseAfterFailureTest {

    private static final long RECORDS = 6_000;
    private static final int FAILED_SNAPSHOTS = 3;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .setConfiguration(
                                    new Configuration()
                                            .set(
                                                    TaskManagerOptions.MANAGED_MEMORY_SIZE,
                                                    MemorySize.ofMebiBytes(64)))
                            .build());

    @BeforeEach
    void reset() {
        EveryStateKindFunction.PROCESSED.set(0);
        FailSnapshotsThenFailOnce.reset();
    }

    @Test
    void incrementalCheckpointsAfterAbortedOnesRestoreWithExactlyOnceState() throws Exception {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        config.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, FAILED_SNAPSHOTS + 2);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        env.enableCheckpointing(50, CheckpointingMode.EXACTLY_ONCE);

        DataStream<Long> input =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        index -> index,
                                        RECORDS,
                                        RateLimiterStrategy.perSecond(3_000),
                                        Types.LONG),
                                WatermarkStrategy.noWatermarks(),
                                "numbers")
                        .map(new FailSnapshotsThenFailOnce())
                        .returns(Types.LONG);
        DataStream<String> reports =
                input.keyBy(EveryStateKindFunction::keyOf, Types.LONG)
                        .process(new EveryStateKindFunction())
                        .returns(Types.STRING);

        List<String> result = new ArrayList<>();
        try (CloseableIterator<String> it = reports.executeAndCollect()) {
            it.forEachRemaining(result::add);
        }

        assertThat(FailSnapshotsThenFailOnce.SNAPSHOTS_FAILED)
                .as("snapshots failed on purpose")
                .hasValue(FAILED_SNAPSHOTS);
        assertThat(FailSnapshotsThenFailOnce.FAILED_OVER)
                .as("failure injected after a checkpoint that followed the failed ones")
                .isTrue();
        assertThat(result)
                .containsExactlyInAnyOrderElementsOf(EveryStateKindFunction.expected(RECORDS));
    }

    /**
     * In subtask 0: fails the snapshots of the checkpoints after the first completed one, a few
     * times, then fails the job once, at the first record after a later checkpoint completed.
     */
    static final class FailSnapshotsThenFailOnce extends RichMapFunction<Long, Long>
            implements CheckpointedFunction, CheckpointListener {

        static final AtomicInteger SNAPSHOTS_FAILED = new AtomicInteger();
        static final AtomicLong LAST_FAILED_CHECKPOINT = new AtomicLong(Long.MAX_VALUE);
        static final AtomicBoolean FAILED_OVER = new AtomicBoolean();

        private transient boolean failing;
        private volatile boolean checkpointCompleted;
        private volatile boolean completedAfterFailedSnapshots;

        static void reset() {
            SNAPSHOTS_FAILED.set(0);
            LAST_FAILED_CHECKPOINT.set(Long.MAX_VALUE);
            FAILED_OVER.set(false);
        }

        @Override
        public void open(OpenContext openContext) {
            failing = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        }

        @Override
        public Long map(Long value) {
            if (completedAfterFailedSnapshots && FAILED_OVER.compareAndSet(false, true)) {
                throw new IllegalStateException("Injected failure at " + value);
            }
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            if (failing && checkpointCompleted && SNAPSHOTS_FAILED.get() < FAILED_SNAPSHOTS) {
                SNAPSHOTS_FAILED.incrementAndGet();
                LAST_FAILED_CHECKPOINT.set(context.getCheckpointId());
                throw new IllegalStateException(
                        "Injected snapshot failure of checkpoint " + context.getCheckpointId());
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted = true;
            if (failing
                    && SNAPSHOTS_FAILED.get() == FAILED_SNAPSHOTS
                    && checkpointId > LAST_FAILED_CHECKPOINT.get()) {
                completedAfterFailedSnapshots = true;
            }
        }
    }
}
