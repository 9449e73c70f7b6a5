package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;

import org.openjdk.jmh.annotations.Benchmark;

/** ValueState point reads and writes of a 128-byte value per key. */
public class ValueStateBenchmark extends StateBenchmarkBase<ValueState<byte[]>> {

    private static final int VALUE_BYTES = 128;

    @Override
    protected StateDescriptor<ValueState<byte[]>, ?> stateDescriptor() {
        return new ValueStateDescriptor<>("value", BytePrimitiveArraySerializer.INSTANCE);
    }

    @Override
    protected int valueBytes() {
        return VALUE_BYTES;
    }

    @Override
    protected int payloadBytesPerKey() {
        return Long.BYTES + VALUE_BYTES;
    }

    @Override
    protected void loadKey() throws Exception {
        state.update(loadValue());
    }

    @Benchmark
    public byte[] valueGet() throws Exception {
        nextKey();
        return state.value();
    }

    @Benchmark
    public void valueUpdate() throws Exception {
        nextKey();
        state.update(newValue());
    }
}
