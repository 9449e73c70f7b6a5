package dev.spillway.backend;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.v2.ValueState;
import org.apache.flink.api.common.state.v2.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Async state (State V2) operators on Spillway: Flink wraps the synchronous keyed backend in its
 * {@code AsyncKeyedStateBackendAdaptor}, and an {@code enableAsyncState()} job computes the same
 * results as with synchronous state.
 */
class SpillwayAsyncStateTest {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(
                                    new Configuration()
                                            .set(
                                                    TaskManagerOptions.MANAGED_MEMORY_SIZE,
                                                    MemorySize.ofMebiBytes(32)))
                            .build());

    @Test
    void asyncStateJobRunsOnTheAdaptedBackend() throws Exception {
        long count = 2_000;
        int keys = 13;
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);

        Map<Long, Long> finalSums = new HashMap<>();
        try (CloseableIterator<Tuple2<Long, Long>> sums =
                env.fromSequence(0, count - 1)
                        .keyBy(value -> value % keys, Types.LONG)
                        .enableAsyncState()
                        .process(new AsyncRunningSum())
                        .returns(Types.TUPLE(Types.LONG, Types.LONG))
                        .executeAndCollect()) {
            sums.forEachRemaining(sum -> finalSums.merge(sum.f0, sum.f1, Math::max));
        }

        Map<Long, Long> expected = new HashMap<>();
        for (long value = 0; value < count; value++) {
            expected.merge(value % keys, value, Long::sum);
        }
        assertThat(finalSums).isEqualTo(expected);
    }

    /** Emits the running sum of its key after every element, reading and writing it async. */
    private static final class AsyncRunningSum
            extends KeyedProcessFunction<Long, Long, Tuple2<Long, Long>> {

        private transient ValueState<Long> sum;

        @Override
        public void open(OpenContext openContext) {
            sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Types.LONG));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<Tuple2<Long, Long>> out) {
            Long key = ctx.getCurrentKey();
            sum.asyncValue()
                    .thenCompose(
                            current -> {
                                long updated = current == null ? value : current + value;
                                out.collect(Tuple2.of(key, updated));
                                return sum.asyncUpdate(updated);
                            });
        }
    }
}
