package dev.spillway.examples.bench;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The benchmark's keyed aggregation: one ValueState read and one write per record. It emits
 * nothing, so that the job's cost is the state backend's and not a sink's.
 */
final class AccountStatsFunction extends KeyedProcessFunction<Long, Tuple2<Long, Long>, Void> {

    private transient ValueState<AccountStats> stats;

    @Override
    public void open(OpenContext openContext) {
        stats =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("stats", AccountStats.class));
    }

    @Override
    public void processElement(Tuple2<Long, Long> payment, Context ctx, Collector<Void> out)
            throws Exception {
        AccountStats current = stats.value();
        if (current == null) {
            current = new AccountStats();
        }
        current.add(payment.f1);
        stats.update(current);
    }
}
