package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A long as 8 big-endian bytes with the sign bit flipped: two's complement puts negatives after
 * positives when read unsigned, and flipping the top bit moves them in front, so byte order is
 * signed value order ({@code Long.MIN_VALUE} encodes as {@code 00..00}, -1 as {@code 7F FF..FF},
 * 0 as {@code 80 00..00}).
 */
final class SignFlippedLongEncoding implements KeyEncoding<Long> {

    @Override
    public void encode(Long value, DataOutputView out) throws IOException {
        out.writeLong(value ^ Long.MIN_VALUE);
    }

    @Override
    public Long decode(DataInputView in) throws IOException {
        return in.readLong() ^ Long.MIN_VALUE;
    }

    @Override
    public boolean preservesOrder() {
        return true;
    }

    @Override
    public int fixedLength() {
        return Long.BYTES;
    }

    @Override
    public String toString() {
        return "LONG";
    }
}
