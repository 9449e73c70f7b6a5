package dev.spillway.backend;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keyed function that keeps every kind of state per key and reports it once, when the input
 * ends (an event-time timer at the end of time, so timers go through snapshots too). {@link
 * #expected} computes the same report independently, so a job's output can be checked for
 * exactly-once state after failures, savepoints, backend switches and rescaling.
 */
final class EveryStateKindFunction extends KeyedProcessFunction<Long, Long, String> {

    /** Records processed by all instances in this JVM, for tests that wait on progress. */
    static final AtomicLong PROCESSED = new AtomicLong();

    static final int KEYS = 37;
    private static final int BUCKETS = 5;

    private transient ValueState<Long> sum;
    private transient ListState<Long> values;
    private transient MapState<Integer, Long> buckets;
    private transient ReducingState<Long> max;

    static long keyOf(long value) {
        return value % KEYS;
    }

    @Override
    public void open(OpenContext openContext) {
        sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Types.LONG));
        values = getRuntimeContext().getListState(new ListStateDescriptor<>("values", Types.LONG));
        buckets =
                getRuntimeContext()
                        .getMapState(new MapStateDescriptor<>("buckets", Types.INT, Types.LONG));
        max =
                getRuntimeContext()
                        .getReducingState(
                                new ReducingStateDescriptor<>("max", Math::max, Types.LONG));
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<String> out) throws Exception {
        Long current = sum.value();
        sum.update(current == null ? value : current + value);
        values.add(value);
        int bucket = (int) (value % BUCKETS);
        Long inBucket = buckets.get(bucket);
        buckets.put(bucket, inBucket == null ? 1 : inBucket + 1);
        max.add(value);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        PROCESSED.incrementAndGet();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out)
            throws Exception {
        List<Long> list = new ArrayList<>();
        values.get().forEach(list::add);
        list.sort(Long::compare);
        Map<Integer, Long> bucketCounts = new TreeMap<>();
        for (Map.Entry<Integer, Long> entry : buckets.entries()) {
            bucketCounts.put(entry.getKey(), entry.getValue());
        }
        out.collect(report(ctx.getCurrentKey(), sum.value(), list, bucketCounts, max.get()));
    }

    private static String report(
            long key, Long sum, List<Long> values, Map<Integer, Long> buckets, Long max) {
        return "key=" + key + " sum=" + sum + " values=" + values + " buckets=" + buckets
                + " max=" + max;
    }

    /** The reports of a job that saw each of {@code 0 .. count-1} exactly once. */
    static List<String> expected(long count) {
        List<String> reports = new ArrayList<>();
        for (long key = 0; key < Math.min(KEYS, count); key++) {
            long sum = 0;
            long max = Long.MIN_VALUE;
            List<Long> values = new ArrayList<>();
            Map<Integer, Long> buckets = new TreeMap<>();
            for (long value = key; value < count; value += KEYS) {
                sum += value;
                max = Math.max(max, value);
                values.add(value);
                buckets.merge((int) (value % BUCKETS), 1L, Long::sum);
            }
            reports.add(report(key, sum, values, buckets, max));
        }
        return reports;
    }
}
