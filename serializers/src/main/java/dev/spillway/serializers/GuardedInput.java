package dev.spillway.serializers;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo {@link Input} over one record's bytes that checks every element count read off the wire
 * against the bytes actually left before allocating anything for it.
 *
 * <p>Kryo trusts counts: {@code readInts(n)} allocates {@code new int[n]} and {@code readString}
 * allocates {@code n} chars before reading a byte. A flipped bit in a count would then ask for
 * gigabytes. Since an element of each of these shapes occupies at least one byte (fixed-width ones
 * exactly their width), a count larger than the remaining bytes can only be corruption, and it
 * fails here with a {@link KryoException} that the serializer reports as an {@code IOException}.
 */
final class GuardedInput extends Input {

    GuardedInput() {
        super(0);
    }

    /** Fails unless {@code count} elements of at least {@code minBytesEach} fit in what is left. */
    static void checkCount(Input input, long count, int minBytesEach, String what) {
        long remaining = input.limit() - input.position();
        if (count < 0 || count * minBytesEach > remaining) {
            throw new KryoException(
                    "Corrupt record: "
                            + what
                            + " declares "
                            + count
                            + " elements but only "
                            + remaining
                            + " bytes remain.");
        }
    }

    /** A pre-sizing hint that cannot exceed the bytes left in the record. */
    static int capToRemaining(Input input, int size) {
        return Math.max(0, Math.min(size, input.limit() - input.position()));
    }

    @Override
    public byte[] readBytes(int length) {
        checkCount(this, length, 1, "byte array");
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length) {
        checkCount(this, length, 4, "int array");
        return super.readInts(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        checkCount(this, length, 1, "int array");
        return super.readInts(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        checkCount(this, length, 8, "long array");
        return super.readLongs(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        checkCount(this, length, 1, "long array");
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public float[] readFloats(int length) {
        checkCount(this, length, 4, "float array");
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        checkCount(this, length, 8, "double array");
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        checkCount(this, length, 2, "short array");
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        checkCount(this, length, 2, "char array");
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        checkCount(this, length, 1, "boolean array");
        return super.readBooleans(length);
    }

    @Override
    public String readString() {
        checkUtf8Length();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkUtf8Length();
        return super.readStringBuilder();
    }

    /**
     * Non-ASCII strings carry their char count up front (plus one, zero meaning null); each char
     * takes at least one byte. ASCII strings end at a marked byte and need no check.
     */
    private void checkUtf8Length() {
        if (position < limit && readVarIntFlag()) {
            int start = position;
            int charCountPlusOne = readVarIntFlag(true);
            position = start;
            if (charCountPlusOne != 0) {
                checkCount(this, charCountPlusOne - 1L, 1, "string");
            }
        }
    }
}
