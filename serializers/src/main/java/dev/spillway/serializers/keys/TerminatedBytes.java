package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * The escaping that makes variable-length parts self-delimiting without giving up order: every
 * {@code 00} byte of the content is written as {@code 00 FF} and the content ends with {@code 00
 * 01}.
 *
 * <p>Why it keeps unsigned lexicographic order: where two contents first differ by a byte, the
 * escaped forms differ there too, in the same direction ({@code 00} stays the smallest content
 * byte, as {@code 00 FF}). Where one content is a prefix of the other, the shorter one's {@code 00
 * 01} meets either a non-zero byte or {@code 00 FF} of the longer, both larger, so the prefix sorts
 * first. After a {@code 00} only {@code 01} or {@code FF} may follow, so a reader knows where the
 * content ends without a length, and whatever is encoded next cannot be confused with content.
 */
final class TerminatedBytes {

    static final int ESCAPE = 0x00;
    static final int ESCAPED_ZERO = 0xFF;
    static final int END = 0x01;

    private TerminatedBytes() {}

    static void writeByte(int b, DataOutputView out) throws IOException {
        out.writeByte(b);
        if (b == ESCAPE) {
            out.writeByte(ESCAPED_ZERO);
        }
    }

    static void writeEnd(DataOutputView out) throws IOException {
        out.writeByte(ESCAPE);
        out.writeByte(END);
    }

    /** The next content byte (0..255), or -1 at the end of the content. */
    static int readByte(DataInputView in) throws IOException {
        int b = in.readUnsignedByte();
        if (b != ESCAPE) {
            return b;
        }
        int next = in.readUnsignedByte();
        if (next == END) {
            return -1;
        }
        if (next != ESCAPED_ZERO) {
            throw new IOException(
                    "Corrupt key: byte 00 must be followed by 01 (end) or FF (escaped 00), found "
                            + String.format("%02X", next)
                            + ".");
        }
        return 0;
    }
}
