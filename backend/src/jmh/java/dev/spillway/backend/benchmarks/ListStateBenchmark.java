package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

import java.util.ArrayList;
import java.util.List;

/**
 * ListState appends and full reads; every key starts with {@value #ELEMENTS_PER_KEY} elements of
 * {@value #ELEMENT_BYTES} bytes.
 *
 * <p>{@link #listAdd} models a job that buffers events per key and fires a window: each key's
 * {@value #APPENDS_PER_FIRE}th append clears its list instead. Without that, the hot keys of a
 * Zipfian sequence grow lists by hundreds of megabytes within a few measurement seconds, and the
 * benchmark would measure the harness's heap rather than the backend.
 */public class ListStateBenchmark extends StateBenchmarkBase<ListState<byte[]>> {

    private static final int ELEMENT_BYTES = 32;
    private static final int ELEMENTS_PER_KEY = 4;
    private static final int APPENDS_PER_FIRE = 16;

    /** Appends since the last clear, per key. */
    private byte[] appendsSinceFire;

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

    @Setup(Level.Trial)
    public void countAppends() {
        appendsSinceFire = new byte[keyCount()];
    }

    @Benchmark
    public void listAdd() throws Exception {
        int key = (int) nextKey();
        if (++appendsSinceFire[key] == APPENDS_PER_FIRE) {
            appendsSinceFire[key] = 0;
            state.clear();
        } else {
            state.add(newValue());
        }
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
