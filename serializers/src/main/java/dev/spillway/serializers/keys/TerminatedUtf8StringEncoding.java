package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A string as UTF-8, escaped and terminated by {@link TerminatedBytes}.
 *
 * <p>Java strings may hold unpaired surrogates, which standard UTF-8 cannot represent (the JDK
 * encoder replaces them with '?', so two different keys would collide). Here an unpaired surrogate
 * is written as the 3-byte sequence of its value, as WTF-8 does; paired surrogates become one
 * 4-byte code point as usual. Every Java string therefore round-trips, and the encoding of a valid
 * Unicode string is plain UTF-8.
 *
 * <p>UTF-8 byte order is code point order. That is {@link String#compareTo} order except where a
 * character in U+E000..U+FFFF meets a supplementary character: {@code compareTo} compares UTF-16
 * units and puts the surrogate pair first, code point order puts it last.
 *
 * <p>Decoding accepts exactly what {@link #encode} writes; anything else (a bad lead or
 * continuation byte, an over-long form, a pair written as two 3-byte surrogates) is corrupt.
 */
final class TerminatedUtf8StringEncoding extends TerminatedEncoding<String> {

    @Override
    public void encode(String value, DataOutputView out) throws IOException {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            int codePoint = c;
            if (Character.isHighSurrogate(c)
                    && i + 1 < length
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                codePoint = Character.toCodePoint(c, value.charAt(++i));
            }
            writeCodePoint(codePoint, out);
        }
        TerminatedBytes.writeEnd(out);
    }

    private static void writeCodePoint(int codePoint, DataOutputView out) throws IOException {
        if (codePoint < 0x80) {
            TerminatedBytes.writeByte(codePoint, out);
        } else if (codePoint < 0x800) {
            out.writeByte(0xC0 | (codePoint >>> 6));
            out.writeByte(0x80 | (codePoint & 0x3F));
        } else if (codePoint < 0x10000) {
            out.writeByte(0xE0 | (codePoint >>> 12));
            out.writeByte(0x80 | ((codePoint >>> 6) & 0x3F));
            out.writeByte(0x80 | (codePoint & 0x3F));
        } else {
            out.writeByte(0xF0 | (codePoint >>> 18));
            out.writeByte(0x80 | ((codePoint >>> 12) & 0x3F));
            out.writeByte(0x80 | ((codePoint >>> 6) & 0x3F));
            out.writeByte(0x80 | (codePoint & 0x3F));
        }
    }

    @Override
    public String decode(DataInputView in) throws IOException {
        StringBuilder text = new StringBuilder();
        boolean previousWasLoneHighSurrogate = false;
        for (int lead = TerminatedBytes.readByte(in);
                lead >= 0;
                lead = TerminatedBytes.readByte(in)) {
            int codePoint;
            if (lead < 0x80) {
                codePoint = lead;
            } else if (lead >= 0xC2 && lead < 0xE0) {
                codePoint = continuation(lead & 0x1F, 1, in);
            } else if (lead >= 0xE0 && lead < 0xF0) {
                codePoint = continuation(lead & 0x0F, 2, in);
                if (codePoint < 0x800) {
                    throw corrupt("an over-long 3-byte sequence");
                }
            } else if (lead >= 0xF0 && lead < 0xF5) {
                codePoint = continuation(lead & 0x07, 3, in);
                if (codePoint < 0x10000 || codePoint > Character.MAX_CODE_POINT) {
                    throw corrupt("a 4-byte sequence outside U+10000..U+10FFFF");
                }
            } else {
                throw corrupt(String.format("the lead byte %02X", lead));
            }
            if (previousWasLoneHighSurrogate
                    && codePoint >= Character.MIN_LOW_SURROGATE
                    && codePoint <= Character.MAX_LOW_SURROGATE) {
                throw corrupt("a surrogate pair written as two 3-byte sequences");
            }
            previousWasLoneHighSurrogate =
                    codePoint >= Character.MIN_HIGH_SURROGATE
                            && codePoint <= Character.MAX_HIGH_SURROGATE;
            text.appendCodePoint(codePoint);
        }
        return text.toString();
    }

    private static int continuation(int bits, int count, DataInputView in) throws IOException {
        for (int i = 0; i < count; i++) {
            int b = in.readUnsignedByte();
            if ((b & 0xC0) != 0x80) {
                throw corrupt(String.format("the continuation byte %02X", b));
            }
            bits = (bits << 6) | (b & 0x3F);
        }
        return bits;
    }

    private static IOException corrupt(String what) {
        return new IOException("Corrupt string key: " + what + ".");
    }

    @Override
    public String toString() {
        return "STRING";
    }
}
