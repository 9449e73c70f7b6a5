package dev.spillway.examples;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Map;

/**
 * Keeps, per account, the running totals (ValueState) and the spend at each merchant (MapState),
 * and reports the account once the bounded input ends: the end-of-input watermark fires the
 * per-account timer registered with the first payment.
 */
final class AccountSpendFunction extends KeyedProcessFunction<Integer, SpendEvent, AccountSummary> {

    private transient ValueState<long[]> totals;
    private transient MapState<Integer, Long> byMerchant;

    @Override
    public void open(OpenContext openContext) {
        totals =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("totals", long[].class));
        byMerchant =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "by-merchant", Integer.class, Long.class));
    }

    @Override
    public void processElement(SpendEvent event, Context ctx, Collector<AccountSummary> out)
            throws Exception {
        long[] paymentsAndTotal = totals.value();
        if (paymentsAndTotal == null) {
            paymentsAndTotal = new long[2];
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        paymentsAndTotal[0]++;
        paymentsAndTotal[1] += event.amountCents;
        totals.update(paymentsAndTotal);

        Long spent = byMerchant.get(event.merchant);
        byMerchant.put(event.merchant, (spent == null ? 0 : spent) + event.amountCents);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AccountSummary> out)
            throws Exception {
        long[] paymentsAndTotal = totals.value();
        int merchants = 0;
        long checksum = 0;
        for (Map.Entry<Integer, Long> e : byMerchant.entries()) {
            merchants++;
            checksum += (e.getKey() + 1) * e.getValue();
        }
        out.collect(
                new AccountSummary(
                        ctx.getCurrentKey(),
                        paymentsAndTotal[0],
                        paymentsAndTotal[1],
                        merchants,
                        checksum));
    }
}
