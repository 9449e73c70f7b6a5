package dev.spillway.backend.store;

import org.apache.flink.core.memory.DataInputView;

import java.io.IOException;

/** Reads a stored value into an array of the caller's own, as {@link StateStore#get} returns it. */
final class ValueCopy implements StateStore.ValueReader<byte[]> {

    static final ValueCopy INSTANCE = new ValueCopy();

    private ValueCopy() {}

    @Override
    public byte[] read(DataInputView value, int length) throws IOException {
        byte[] copy = new byte[length];
        value.readFully(copy);
        return copy;
    }

    /** A value read from disk is already a fresh array. */
    @Override
    public byte[] read(byte[] value) {
        return value;
    }
}
