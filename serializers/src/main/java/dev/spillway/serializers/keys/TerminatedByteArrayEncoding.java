package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Arrays;

/**
 * A byte array as its bytes, escaped and terminated by {@link TerminatedBytes}: order is unsigned
 * lexicographic order of the arrays ({@link Arrays#compareUnsigned}). Costs 2 bytes plus one per
 * zero byte.
 */
final class TerminatedByteArrayEncoding extends TerminatedEncoding<byte[]> {

    @Override
    public void encode(byte[] value, DataOutputView out) throws IOException {
        for (byte b : value) {
            TerminatedBytes.writeByte(b & 0xFF, out);
        }
        TerminatedBytes.writeEnd(out);
    }

    @Override
    public byte[] decode(DataInputView in) throws IOException {
        // Grows with bytes actually read, so corrupt input cannot ask for a large allocation.
        byte[] buffer = new byte[16];
        int length = 0;
        for (int b = TerminatedBytes.readByte(in); b >= 0; b = TerminatedBytes.readByte(in)) {
            if (length == buffer.length) {
                buffer = Arrays.copyOf(buffer, length * 2);
            }
            buffer[length++] = (byte) b;
        }
        return Arrays.copyOf(buffer, length);
    }

    @Override
    public String toString() {
        return "BYTES";
    }
}
