package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/** An int as 4 big-endian bytes with the sign bit flipped; see {@link SignFlippedLongEncoding}. */
final class SignFlippedIntEncoding implements KeyEncoding<Integer> {

    @Override
    public void encode(Integer value, DataOutputView out) throws IOException {
        out.writeInt(value ^ Integer.MIN_VALUE);
    }

    @Override
    public Integer decode(DataInputView in) throws IOException {
        return in.readInt() ^ Integer.MIN_VALUE;
    }

    @Override
    public boolean preservesOrder() {
        return true;
    }

    @Override
    public int fixedLength() {
        return Integer.BYTES;
    }

    @Override
    public String toString() {
        return "INT";
    }
}
