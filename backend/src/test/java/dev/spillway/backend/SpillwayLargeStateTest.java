package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job whose keyed state is over ten times the managed memory of its slot completes with every
 * value intact, and the store's metrics show that the state went to disk.
 */
class SpillwayLargeStateTest {

    private static final MemorySize MANAGED_MEMORY = MemorySize.ofMebiBytes(2);
    private static final int KEYS = 24_000;
    private static final int PAYLOAD_CHARS = 1_000;

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

    @Test
    void stateTenTimesTheManagedMemorySpillsAndSurvives() throws Exception {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        // A small object tier: the default would keep much of this state as objects on the heap.
        config.setString(StateOptions.OBJECT_TIER_SIZE.key(), "256kb");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(1);

        Map<Long, Integer> readBack = new HashMap<>();
        try (CloseableIterator<Tuple2<Long, Integer>> results =
                env.fromSequence(0, KEYS - 1)
                        .keyBy(value -> value, Types.LONG)
                        .process(new StoreAndReadBack())
                        .returns(Types.TUPLE(Types.LONG, Types.INT))
                        .executeAndCollect()) {
            results.forEachRemaining(entry -> readBack.put(entry.f0, entry.f1));
        }

        assertThat(readBack).hasSize(KEYS);
        for (long key = 0; key < KEYS; key++) {
            assertThat(readBack.get(key)).isEqualTo(payload(key).hashCode());
        }
        long budget = gauge("spillway.memory.budgetBytes");
        assertThat(budget).isPositive().isLessThanOrEqualTo(MANAGED_MEMORY.getBytes());
        assertThat((long) KEYS * PAYLOAD_CHARS).isGreaterThan(10 * budget);
        assertThat(gauge("spillway.store.spills")).isPositive();
        assertThat(gauge("spillway.store.evictedBytes")).isGreaterThan(budget);
    }

    /** The value of the only gauge whose identifier ends with the name (one job, one subtask). */
    private static long gauge(String name) {
        List<Long> values = new ArrayList<>();
        METRICS.getMetricsByGroup()
                .forEach(
                        (group, metrics) ->
                                metrics.forEach(
                                        (metricName, metric) -> {
                                            if (group.getMetricIdentifier(metricName).endsWith(name)) {
                                                Object value = ((Gauge<?>) metric).getValue();
                                                values.add(((Number) value).longValue());
                                            }
                                        }));
        assertThat(values).as(name).hasSize(1);
        return values.get(0);
    }

    private static String payload(long key) {
        StringBuilder payload = new StringBuilder(PAYLOAD_CHARS);
        while (payload.length() < PAYLOAD_CHARS) {
            payload.append(key).append(':');
        }
        payload.setLength(PAYLOAD_CHARS);
        return payload.toString();
    }

    /** Stores a large value per key, then reads every one back when the input ends. */
    private static final class StoreAndReadBack
            extends KeyedProcessFunction<Long, Long, Tuple2<Long, Integer>> {

        private transient ValueState<String> payload;

        @Override
        public void open(OpenContext openContext) {
            payload = getRuntimeContext().getState(new ValueStateDescriptor<>("payload", Types.STRING));
        }

        @Override
        public void processElement(Long key, Context ctx, Collector<Tuple2<Long, Integer>> out)
                throws Exception {
            payload.update(payload(key));
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<Long, Integer>> out)
                throws Exception {
            out.collect(Tuple2.of(ctx.getCurrentKey(), payload.value().hashCode()));
        }
    }
}
