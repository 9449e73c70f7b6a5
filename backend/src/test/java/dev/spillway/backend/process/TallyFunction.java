package dev.spillway.backend.process;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.ByteBuffer;

/**
 * Keeps a count and a sum per account and reports them once, when the input ends (an event-time
 * timer at the end of time, so timers go through checkpoints and restore too).
 *
 * <p>Each account's value also carries {@link #PADDING} bytes derived from the account, so a few
 * tens of thousands of accounts make state several times the TaskManagers' managed memory; the
 * padding is checked on every read, so state that comes back corrupted from disk or from a
 * checkpoint fails the job instead of passing unnoticed.
 */
final class TallyFunction extends KeyedProcessFunction<Long, Tuple2<Long, Long>, String> {

    static final int PADDING = 600;

    private transient ValueState<byte[]> tally;

    static String report(long account, long count, long sum) {
        return account + " count=" + count + " sum=" + sum;
    }

    @Override
    public void open(OpenContext openContext) {
        tally =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "tally",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Tuple2<Long, Long> payment, Context ctx, Collector<String> out)
            throws Exception {
        byte[] value = tally.value();
        if (value == null) {
            value = newTally(payment.f0);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        } else {
            checkPadding(payment.f0, value);
        }
        ByteBuffer fields = ByteBuffer.wrap(value);
        fields.putLong(0, fields.getLong(0) + 1);
        fields.putLong(8, fields.getLong(8) + payment.f1);
        tally.update(value);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out)
            throws Exception {
        byte[] value = tally.value();
        checkPadding(ctx.getCurrentKey(), value);
        ByteBuffer fields = ByteBuffer.wrap(value);
        out.collect(report(ctx.getCurrentKey(), fields.getLong(0), fields.getLong(8)));
    }

    private static byte[] newTally(long account) {
        byte[] value = new byte[16 + PADDING];
        long x = seed(account);
        for (int i = 16; i < value.length; i++) {
            x = next(x);
            value[i] = (byte) x;
        }
        return value;
    }

    private static void checkPadding(long account, byte[] value) {
        if (value.length != 16 + PADDING) {
            throw new IllegalStateException(
                    "Account " + account + ": tally of " + value.length + " bytes");
        }
        long x = seed(account);
        for (int i = 16; i < value.length; i++) {
            x = next(x);
            if (value[i] != (byte) x) {
                throw new IllegalStateException(
                        "Account " + account + ": tally corrupted at byte " + i);
            }
        }
    }

    private static long seed(long account) {
        return account * 0x9E3779B97F4A7C15L + 1;
    }

    /** xorshift64: incompressible bytes, so no backend's compression makes the state small. */
    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
