package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;

import org.openjdk.jmh.annotations.Benchmark;

import java.util.Map;

/**
 * MapState point reads, writes and iteration. Every key starts with {@value #ENTRIES_PER_KEY}
 * entries (user keys {@code 0..3}, values of {@value #VALUE_BYTES} bytes); {@link #mapPut} writes
 * user keys {@code 0..7}, so half of its writes overwrite an entry and half add one.
 */
public class MapStateBenchmark extends StateBenchmarkBase<MapState<Long, byte[]>> {

    private static final int VALUE_BYTES = 32;
    private static final int ENTRIES_PER_KEY = 4;

    private long nextUserKey;

    @Override
    protected StateDescriptor<MapState<Long, byte[]>, ?> stateDescriptor() {
        return new MapStateDescriptor<>(
                "map", LongSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    }

    @Override
    protected int valueBytes() {
        return VALUE_BYTES;
    }

    @Override
    protected int payloadBytesPerKey() {
        return Long.BYTES + ENTRIES_PER_KEY * (Long.BYTES + VALUE_BYTES);
    }

    @Override
    protected void loadKey() throws Exception {
        for (long userKey = 0; userKey < ENTRIES_PER_KEY; userKey++) {
            state.put(userKey, loadValue());
        }
    }

    @Benchmark
    public byte[] mapGet() throws Exception {
        nextKey();
        return state.get(nextUserKey++ & (ENTRIES_PER_KEY - 1));
    }

    @Benchmark
    public void mapPut() throws Exception {
        nextKey();
        state.put(nextUserKey++ & (2 * ENTRIES_PER_KEY - 1), newValue());
    }

    /** One operation iterates all entries of one key. */
    @Benchmark
    public long mapIterate() throws Exception {
        nextKey();
        long sum = 0;
        for (Map.Entry<Long, byte[]> entry : state.entries()) {
            sum += entry.getKey() + entry.getValue().length;
        }
        return sum;
    }
}
