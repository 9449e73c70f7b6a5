package dev.spillway.backend;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job with 200,000 event-time timers, up to 100,000 of them pending at once, in a slot with 4 MiB
 * of managed memory: the timers live in the store (the default timer service), spill to disk,
 * survive a failure and restore from a full or an incremental checkpoint, and every one fires
 * exactly once, in timestamp order per key.
 */
class SpillwayManyTimersTest {

    private static final MemorySize MANAGED_MEMORY = MemorySize.ofMebiBytes(4);
    private static final long TIMERS = 200_000;
    private static final int KEYS = 1_000;
    /** How far behind its element's timestamp a timer fires: this many are pending at once. */
    private static final long DELAY = 100_000;

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .setConfiguration(
                                    METRICS.addToConfiguration(
                                            new Configuration()
                                                    .set(
                                                            TaskManagerOptions.MANAGED_MEMORY_SIZE,
                                                            MANAGED_MEMORY)))
                            .build());

    @BeforeEach
    void resetFailure() {
        SpillwayMiniClusterTest.FailOnceAfterCheckpoint.FAILED.set(false);
    }

    @Test
    void timersSpillSurviveAFullCheckpointRestoreAndFireOnce() throws Exception {
        runAndCheck(false);
    }

    @Test
    void timersSpillSurviveAnIncrementalCheckpointRestoreAndFireOnce() throws Exception {
        runAndCheck(true);
    }

    private static void runAndCheck(boolean incremental) throws Exception {
        long spillsBefore = sum("spillway.store.spills");
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        config.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incremental);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(1);
        env.enableCheckpointing(100, CheckpointingMode.EXACTLY_ONCE);

        Map<Long, long[]> reports = new HashMap<>();
        try (CloseableIterator<long[]> results =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        index -> index,
                                        TIMERS,
                                        // The job outlives its first checkpoints: the failure
                                        // comes after one.
                                        RateLimiterStrategy.perSecond(100_000),
                                        Types.LONG),
                                WatermarkStrategy.noWatermarks(),
                                "numbers")
                        .map(new SpillwayMiniClusterTest.FailOnceAfterCheckpoint())
                        .returns(Types.LONG)
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Long>forMonotonousTimestamps()
                                        .withTimestampAssigner((value, previous) -> value))
                        .keyBy(value -> value % KEYS, Types.LONG)
                        .process(new TimerPerElement())
                        .returns(long[].class)
                        .executeAndCollect()) {
            results.forEachRemaining(report -> reports.put(report[0], report));
        }

        assertThat(SpillwayMiniClusterTest.FailOnceAfterCheckpoint.FAILED).isTrue();
        assertThat(reports).hasSize(KEYS);
        for (long[] report : reports.values()) {
            assertThat(report[1]).as("timers fired for key %d", report[0]).isEqualTo(TIMERS / KEYS);
            assertThat(report[2]).as("timers out of order for key %d", report[0]).isZero();
        }
        assertThat(sum("spillway.store.spills") - spillsBefore)
                .as("the timers outgrow the budget and spill")
                .isPositive();
    }

    /** Sum of the gauges whose identifier ends with the name, over every backend so far. */
    private static long sum(String name) {
        List<Long> values = new ArrayList<>();
        METRICS.getMetricsByGroup()
                .forEach(
                        (group, metrics) ->
                                metrics.forEach(
                                        (metricName, metric) -> {
                                            if (group.getMetricIdentifier(metricName).endsWith(name)
                                                    && metric instanceof Gauge) {
                                                Object value = ((Gauge<?>) metric).getValue();
                                                values.add(((Number) value).longValue());
                                            }
                                        }));
        return values.stream().mapToLong(Long::longValue).sum();
    }

    /**
     * One timer per element at its timestamp plus {@link #DELAY}, and one at the end of time that
     * reports, per key, how many timers fired and how many fired out of timestamp order.
     */
    private static final class TimerPerElement extends KeyedProcessFunction<Long, Long, long[]> {

        private transient ValueState<Long> fired;
        private transient ValueState<Long> lastFired;
        private transient ValueState<Long> outOfOrder;

        @Override
        public void open(OpenContext openContext) {
            fired = getRuntimeContext().getState(new ValueStateDescriptor<>("fired", Types.LONG));
            lastFired =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("last-fired", Types.LONG));
            outOfOrder =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("out-of-order", Types.LONG));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<long[]> out) {
            ctx.timerService().registerEventTimeTimer(value + DELAY);
            // Registered once per element; set semantics keep one.
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<long[]> out)
                throws Exception {
            long count = fired.value() == null ? 0 : fired.value();
            long disorder = outOfOrder.value() == null ? 0 : outOfOrder.value();
            if (timestamp == Long.MAX_VALUE) {
                out.collect(new long[] {ctx.getCurrentKey(), count, disorder});
                return;
            }
            Long last = lastFired.value();
            if ((last != null && timestamp <= last)
                    || (timestamp - DELAY) % KEYS != ctx.getCurrentKey()) {
                outOfOrder.update(disorder + 1);
            }
            lastFired.update(timestamp);
            fired.update(count + 1);
        }
    }
}
