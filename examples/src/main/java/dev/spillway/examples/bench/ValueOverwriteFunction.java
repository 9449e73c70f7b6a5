package dev.spillway.examples.bench;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The checkpoint benchmark's keyed operator: one {@code byte[]} value per key, created with
 * incompressible bytes on a key's first record and rewritten (a counter in its first bytes) on
 * every later one, so that state size is known and the bytes a checkpoint must move are the
 * backend's business. It emits nothing.
 *
 * <p>It reports to {@link RecoveryProbe}: each task instance's first record (restore and rescale
 * times end there), and subtask 0 throws once when the driver asks for a failure.
 */
final class ValueOverwriteFunction extends KeyedProcessFunction<Long, Long, Void> {

    private final int valueSize;
    private final int generation;
    private transient ValueState<byte[]> value;
    private transient int subtask;
    private transient int attempt;

    /**
     * @param generation tells the jobs of one run apart (1 before, 2 after rescaling), for the
     *     probe
     */
    ValueOverwriteFunction(int valueSize, int generation) {
        this.valueSize = valueSize;
        this.generation = generation;
    }

    @Override
    public void open(OpenContext openContext) {
        value =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "value",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
    }

    @Override
    public void processElement(Long key, Context ctx, Collector<Void> out) throws Exception {
        RecoveryProbe.recordProcessed(generation, subtask, attempt);
        if (subtask == 0 && RecoveryProbe.failNow()) {
            throw new IllegalStateException("Failure injected by the checkpoint benchmark");
        }
        byte[] current = value.value();
        if (current == null) {
            current = new byte[valueSize];
            new SplittableRandom(key).nextBytes(current);
        }
        ByteBuffer fields = ByteBuffer.wrap(current);
        fields.putLong(0, fields.getLong(0) + 1);
        value.update(current);
    }
}
