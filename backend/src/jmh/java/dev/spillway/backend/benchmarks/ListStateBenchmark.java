package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;

import org.openjdk.jmh.annotations.Benchmark;

import java.util.ArrayList;
import java.util.List;

/**
 * ListState appends and full reads; every key starts with {@value #ELEMENTS_PER_KEY} elements of
 * {@value #ELEMENT_BYTES} bytes. Appends make the lists of the accessed keys grow during the
 * measurement, as in a job that buffers events per key.
 */
public class ListStateBenchmark extends StateBenchmarkBase<ListState<byte[]>> {

    private static final int ELEMENT_BYTES = 32;
    private static final int ELEMENTS_PER_KEY = 4;

    @Override
    protected StateDescriptor<ListState<byte[]>, ?> stateDescriptor() {
        return new ListStateDescriptor<>("list", BytePrimitiveArraySerializer.INSTANCE);
    }

    @Override
    protected int valueBytes() {
        return ELEMENT_BYTES;
    }

    @Override
    protected int payloadBytesPerKey() {
        return Long.BYTES + ELEMENTS_PER_KEY * ELEMENT_BYTES;
    }

    @Override
    protected void loadKey() throws Exception {
        List<byte[]> elements = new ArrayList<>(ELEMENTS_PER_KEY);
        for (int i = 0; i < ELEMENTS_PER_KEY; i++) {
            elements.add(loadValue());
        }
        state.update(elements);
    }

    @Benchmark
    public void listAdd() throws Exception {
        nextKey();
        state.add(newValue());
    }

    /** Reads the key's list and touches every element, as a consumer of the list would. */
    @Benchmark
    public int listGetAndIterate() throws Exception {
        nextKey();
        int bytes = 0;
        for (byte[] element : state.get()) {
            bytes += element.length;
        }
        return bytes;
    }
}
