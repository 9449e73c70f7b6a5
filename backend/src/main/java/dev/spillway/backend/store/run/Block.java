package dev.spillway.backend.store.run;

import dev.spillway.backend.store.CompositeKey;

import java.util.Arrays;

/**
 * One decoded (checked and decompressed) data block, as kept in the {@link BlockCache}.
 *
 * <p>Layout of the decoded bytes:
 *
 * <pre>
 *   entry*             [key length varint][value length varint][kind u8][key][value]
 *   entry offsets      [u32 big-endian] * count
 *   count              [u32 big-endian]
 * </pre>
 *
 * <p>Entries are sorted by key. The offset array lets a point read binary-search the block
 * without decoding it into objects; keys are stored whole (no prefix sharing) so any entry can be
 * compared on its own — LZ4 removes most of the repeated prefixes on disk instead.
 *
 * <p>Immutable after construction and safe to share between threads.
 */
final class Block {

    private final byte[] data;
    private final int count;
    private final int offsetsStart;

    private Block(byte[] data, int count, int offsetsStart) {
        this.data = data;
        this.count = count;
        this.offsetsStart = offsetsStart;
    }

    /**
     * Wraps decoded bytes; returns {@code null} when the trailer is inconsistent (the caller
     * reports corruption with the file and offset).
     */
    static Block wrap(byte[] data) {
        if (data.length < Integer.BYTES) {
            return null;
        }
        int count = readInt(data, data.length - Integer.BYTES);
        long offsetsStart = data.length - Integer.BYTES - (long) count * Integer.BYTES;
        if (count <= 0 || offsetsStart < 0) {
            return null;
        }
        Block block = new Block(data, count, (int) offsetsStart);
        for (int i = 0; i < count; i++) {
            int offset = block.entryOffset(i);
            if (offset < 0 || offset >= offsetsStart || (i > 0 && offset <= block.entryOffset(i - 1))) {
                return null;
            }
        }
        return block;
    }

    int count() {
        return count;
    }

    /** Bytes this block occupies on the heap, for cache accounting. */
    int weight() {
        return data.length + 64;
    }

    /** The index of the first entry whose key is at least the given key, or {@link #count()}. */
    int lowerBound(byte[] key, int keyOffset, int keyLength) {
        int low = 0;
        int high = count;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (compareKey(mid, key, keyOffset, keyLength) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** Compares entry {@code i}'s key with the given key, unsigned. */
    int compareKey(int i, byte[] key, int keyOffset, int keyLength) {
        int offset = entryOffset(i);
        long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
        int storedLength = (int) (keyField >>> 32);
        int keyStart = skipVarInt((int) keyField) + 1;
        return Arrays.compareUnsigned(
                data, keyStart, keyStart + storedLength, key, keyOffset, keyOffset + keyLength);
    }

    /** Whether entry {@code i}'s key starts with the prefix. */
    boolean keyStartsWith(int i, byte[] prefix) {
        int offset = entryOffset(i);
        long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
        int storedLength = (int) (keyField >>> 32);
        if (storedLength < prefix.length) {
            return false;
        }
        int keyStart = skipVarInt((int) keyField) + 1;
        return Arrays.equals(data, keyStart, keyStart + prefix.length, prefix, 0, prefix.length);
    }

    byte[] key(int i) {
        int offset = entryOffset(i);
        long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
        int keyStart = skipVarInt((int) keyField) + 1;
        return Arrays.copyOfRange(data, keyStart, keyStart + (int) (keyField >>> 32));
    }

    EntryKind kind(int i) {
        int offset = entryOffset(i);
        long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
        return EntryKind.fromCode(data[skipVarInt((int) keyField)]);
    }

    byte[] value(int i) {
        int offset = entryOffset(i);
        long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
        long valueField = CompositeKey.readVarInt(data, (int) keyField, offsetsStart);
        int valueStart = (int) valueField + 1 + (int) (keyField >>> 32);
        return Arrays.copyOfRange(data, valueStart, valueStart + (int) (valueField >>> 32));
    }

    /**
     * Checks that every entry decodes inside the entry area with a known kind. Run once when a
     * block is read from disk, so the accessors above can trust the bytes.
     */
    boolean entriesValid() {
        try {
            for (int i = 0; i < count; i++) {
                int offset = entryOffset(i);
                long keyField = CompositeKey.readVarInt(data, offset, offsetsStart);
                long valueField = CompositeKey.readVarInt(data, (int) keyField, offsetsStart);
                int kindAt = (int) valueField;
                long end = kindAt + 1L + (keyField >>> 32) + (valueField >>> 32);
                if (end > offsetsStart || EntryKind.fromCode(data[kindAt]) == null) {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private int entryOffset(int i) {
        return readInt(data, offsetsStart + i * Integer.BYTES);
    }

    /** The position after the value-length varint that starts at {@code position}. */
    private int skipVarInt(int position) {
        return (int) CompositeKey.readVarInt(data, position, offsetsStart);
    }

    private static int readInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 24)
                | ((bytes[offset + 1] & 0xFF) << 16)
                | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }
}
