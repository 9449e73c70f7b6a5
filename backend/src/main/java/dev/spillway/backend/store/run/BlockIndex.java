package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.CompositeKey;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sparse index of a run: the first key, file offset and framed length of every data block,
 * plus the run's last key (so the index also gives the run's key range). Kept on the heap while
 * the run is open: one entry per block, about {@code key length + 28} bytes.
 *
 * <p>Serialized form: {@code [block count u32] ([offset u64][length u32][first key length
 * varint][first key])* [last key length varint][last key]}.
 */
final class BlockIndex {

    /** Bytes of each first key held as two unsigned longs in {@link #prefixes}. */
    static final int PREFIX_BYTES = 2 * Long.BYTES;

    private final byte[][] firstKeys;
    /**
     * The first {@value #PREFIX_BYTES} bytes of every first key, zero-padded, big-endian, as two
     * longs per block side by side: the binary search compares these first and touches a key's
     * bytes only when the prefixes tie. The JFR and async profiles of spilled point reads spent
     * 10-16% of the task thread in {@code Arrays.compareUnsigned} of this search, one key array
     * (another object, another cache miss) per step.
     */
    private final long[] prefixes;
    private final long[] offsets;
    private final int[] lengths;
    private final byte[] lastKey;

    private BlockIndex(byte[][] firstKeys, long[] offsets, int[] lengths, byte[] lastKey) {
        this.firstKeys = firstKeys;
        this.offsets = offsets;
        this.lengths = lengths;
        this.lastKey = lastKey;
        this.prefixes = new long[2 * firstKeys.length];
        for (int i = 0; i < firstKeys.length; i++) {
            byte[] first = firstKeys[i];
            prefixes[2 * i] = prefix(first, 0, first.length, 0);
            prefixes[2 * i + 1] = prefix(first, 0, first.length, Long.BYTES);
        }
    }

    /**
     * Bytes {@code [from, from + 8)} of {@code key[offset, offset + length)} as a big-endian long,
     * zeros past the key's end. Two keys whose padded prefixes differ compare as their prefixes
     * do (unsigned); when they tie, only the bytes decide (a zero byte and the end of a key pad
     * alike).
     */
    static long prefix(byte[] key, int offset, int length, int from) {
        long value = 0;
        int end = Math.min(length, from + Long.BYTES);
        int i = from;
        for (; i < end; i++) {
            value = (value << 8) | (key[offset + i] & 0xFF);
        }
        return i <= from ? 0 : value << (8 * (from + Long.BYTES - i));
    }

    int blockCount() {
        return offsets.length;
    }

    long offset(int block) {
        return offsets[block];
    }

    int length(int block) {
        return lengths[block];
    }

    byte[] firstKey() {
        return firstKeys[0];
    }

    byte[] lastKey() {
        return lastKey;
    }

    /** The only block that may hold the key, or -1 when the key is outside the run's range. */
    int blockFor(byte[] key, int keyOffset, int keyLength) {
        if (Arrays.compareUnsigned(lastKey, 0, lastKey.length, key, keyOffset, keyOffset + keyLength) < 0) {
            return -1;
        }
        return floorBlock(key, keyOffset, keyLength);
    }

    /**
     * Whether some key of the run may start with the prefix: false when every key of the run sorts
     * before the prefix or after all keys that start with it.
     */
    boolean mayContainPrefix(byte[] prefix) {
        byte[] first = firstKeys[0];
        boolean lastBelow = Arrays.compareUnsigned(lastKey, prefix) < 0;
        boolean firstAbove = Arrays.compareUnsigned(first, prefix) > 0 && !startsWith(first, prefix);
        return !lastBelow && !firstAbove;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The last block whose first key is at most the key, or -1 when the key is before them all. */
    int floorBlock(byte[] key, int keyOffset, int keyLength) {
        long high8 = prefix(key, keyOffset, keyLength, 0);
        long low8 = prefix(key, keyOffset, keyLength, Long.BYTES);
        int low = 0;
        int high = firstKeys.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int order = Long.compareUnsigned(prefixes[2 * mid], high8);
            if (order == 0) {
                order = Long.compareUnsigned(prefixes[2 * mid + 1], low8);
                if (order == 0) {
                    byte[] first = firstKeys[mid];
                    order = Arrays.compareUnsigned(
                            first, 0, first.length, key, keyOffset, keyOffset + keyLength);
                }
            }
            if (order <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    long heapBytes() {
        long bytes = (long) offsets.length * (Long.BYTES + Integer.BYTES + 16 + PREFIX_BYTES);
        for (byte[] key : firstKeys) {
            bytes += key.length;
        }
        return bytes + lastKey.length;
    }

    /** Collects index entries while a run is written. */
    static final class Builder {
        private final List<byte[]> firstKeys = new ArrayList<>();
        private final List<long[]> extents = new ArrayList<>();
        private long heapBytes;

        void add(byte[] firstKey, long offset, int length) {
            firstKeys.add(firstKey);
            extents.add(new long[] {offset, length});
            heapBytes += firstKey.length + 48;
        }

        boolean isEmpty() {
            return firstKeys.isEmpty();
        }

        long heapBytes() {
            return heapBytes;
        }

        byte[] serialize(byte[] lastKey) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] varInt = new byte[5];
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(firstKeys.size());
                for (int i = 0; i < firstKeys.size(); i++) {
                    out.writeLong(extents.get(i)[0]);
                    out.writeInt((int) extents.get(i)[1]);
                    writeKey(out, firstKeys.get(i), varInt);
                }
                writeKey(out, lastKey, varInt);
            } catch (IOException e) {
                throw new UncheckedIOException("In-memory stream cannot fail", e);
            }
            return bytes.toByteArray();
        }

        private static void writeKey(DataOutputStream out, byte[] key, byte[] varInt)
                throws IOException {
            out.write(varInt, 0, CompositeKey.writeVarInt(varInt, 0, key.length));
            out.write(key);
        }
    }

    /**
     * Reads an index written by {@link Builder#serialize}; returns {@code null} when the bytes do
     * not describe one (the caller reports the corruption with the file and offset).
     */
    static BlockIndex readFrom(byte[] bytes, long dataEnd) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int count = in.getInt();
            if (count <= 0 || count > bytes.length / (Long.BYTES + Integer.BYTES + 1)) {
                return null;
            }
            byte[][] firstKeys = new byte[count][];
            long[] offsets = new long[count];
            int[] lengths = new int[count];
            long expectedOffset = RunFormat.HEADER_SIZE;
            for (int i = 0; i < count; i++) {
                offsets[i] = in.getLong();
                lengths[i] = in.getInt();
                if (offsets[i] != expectedOffset || lengths[i] <= 0) {
                    return null;
                }
                expectedOffset += lengths[i];
                firstKeys[i] = readKey(in);
            }
            byte[] lastKey = readKey(in);
            if (in.hasRemaining() || expectedOffset != dataEnd) {
                return null;
            }
            return new BlockIndex(firstKeys, offsets, lengths, lastKey);
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            return null;
        }
    }

    private static byte[] readKey(ByteBuffer in) {
        long field = CompositeKey.readVarInt(in.array(), in.position(), in.limit());
        in.position((int) field);
        byte[] key = new byte[(int) (field >>> 32)];
        in.get(key);
        return key;
    }
}
