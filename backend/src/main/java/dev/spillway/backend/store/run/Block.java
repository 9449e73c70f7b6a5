package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryKind;

import java.util.Arrays;

/**
 * One decoded (checked and decompressed) data block, as kept in the {@link BlockCache}.
 *
 * <p>Layout of the decoded bytes:
 *
 * <pre>
 *   entry*             [key length varint][value length varint][kind u8][key][value]
 *   restart offsets    [u32 big-endian] * ceil(count / RESTART_INTERVAL)
 *   count              [u32 big-endian]
 * </pre>
 *
 * <p>Entries are sorted by key and stored whole (no prefix sharing, so any entry decodes on its
 * own; LZ4 removes most repeated prefixes on disk instead). Every {@value #RESTART_INTERVAL}th
 * entry is a <em>restart point</em> whose offset is recorded: a search binary-searches the restart
 * points and then walks at most {@value #RESTART_INTERVAL} entries. Recording every entry would cost
 * 4 bytes per entry — a third of a typical small Flink state entry — for a search that is only a
 * few comparisons shorter.
 *
 * <p>Entries are addressed by their byte offset in the block; {@link #entriesEnd()} is the offset
 * after the last one. Immutable after construction and safe to share between threads.
 */
final class Block {

    /** Entries between two recorded offsets. Part of the format. */
    static final int RESTART_INTERVAL = 16;

    private final byte[] data;
    private final int count;
    private final int restartsStart;
    private final int restartCount;

    private Block(byte[] data, int count, int restartsStart, int restartCount) {
        this.data = data;
        this.count = count;
        this.restartsStart = restartsStart;
        this.restartCount = restartCount;
    }

    /** Number of restart offsets for a block of that many entries. */
    static int restartCount(int entries) {
        return (entries + RESTART_INTERVAL - 1) / RESTART_INTERVAL;
    }

    /**
     * Wraps decoded bytes after checking the trailer: a positive count, restart offsets that fit
     * and rise from 0. Returns {@code null} otherwise (the caller reports corruption with the file
     * and offset). The entries themselves are checked by {@link #validate()}, once, when the block
     * enters the cache or a scan; a point read of an unchecked block gets bounds-checked accessors
     * (they throw {@link RuntimeException}s that the reader reports as corruption).
     */
    static Block wrap(byte[] data) {
        if (data.length < Integer.BYTES) {
            return null;
        }
        int count = readInt(data, data.length - Integer.BYTES);
        if (count <= 0) {
            return null;
        }
        int restarts = restartCount(count);
        long restartsStart = data.length - Integer.BYTES - (long) restarts * Integer.BYTES;
        if (restartsStart <= 0) {
            return null;
        }
        Block block = new Block(data, count, (int) restartsStart, restarts);
        return block.restartsValid() ? block : null;
    }

    private boolean restartsValid() {
        int previous = -1;
        for (int i = 0; i < restartCount; i++) {
            int offset = restart(i);
            if (offset <= previous || offset >= restartsStart || (i == 0 && offset != 0)) {
                return false;
            }
            previous = offset;
        }
        return true;
    }

    /**
     * Whether every entry decodes inside the entry area with a known kind and the restart offsets
     * point at entries 0, 16, 32, ...: after this the accessors can trust the bytes.
     */
    boolean validate() {
        try {
            int offset = 0;
            for (int i = 0; i < count; i++) {
                if (offset >= restartsStart
                        || (i % RESTART_INTERVAL == 0 && restart(i / RESTART_INTERVAL) != offset)) {
                    return false;
                }
                long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
                long valueField = CompositeKey.readVarInt(data, (int) keyField, restartsStart);
                int kindAt = (int) valueField;
                long end = kindAt + 1L + (keyField >>> 32) + (valueField >>> 32);
                if (end > restartsStart || EntryKind.fromCode(data[kindAt]) == null) {
                    return false;
                }
                offset = (int) end;
            }
            return offset == restartsStart;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    int count() {
        return count;
    }

    /** The offset after the last entry: the end of iteration. */
    int entriesEnd() {
        return restartsStart;
    }

    /** Bytes this block occupies on the heap, for cache accounting. */
    int weight() {
        return data.length + 64;
    }

    /** The offset of the first entry whose key is at least the given key, or {@link #entriesEnd()}. */
    int seek(byte[] key, int keyOffset, int keyLength) {
        // The last restart point whose key is below the target; the answer follows it.
        int low = 0;
        int high = restartCount - 1;
        int start = 0;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (compareKey(restart(mid), key, keyOffset, keyLength) < 0) {
                start = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        int offset = restart(start);
        while (offset < restartsStart && compareKey(offset, key, keyOffset, keyLength) < 0) {
            offset = next(offset);
        }
        return offset;
    }

    /**
     * The offset of the entry whose key equals the given key, or -1. Touches the restart keys of a
     * binary search and at most {@value #RESTART_INTERVAL} entries; allocates nothing.
     */
    int find(byte[] key, int keyOffset, int keyLength) {
        int offset = seek(key, keyOffset, keyLength);
        return offset < restartsStart && compareKey(offset, key, keyOffset, keyLength) == 0
                ? offset : -1;
    }

    /** The offset of the entry after the one at {@code offset}. */
    int next(int offset) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        long valueField = CompositeKey.readVarInt(data, (int) keyField, restartsStart);
        long next = (int) valueField + 1L + (keyField >>> 32) + (valueField >>> 32);
        if (next > restartsStart) {
            // Only an unvalidated block can get here; never walk backwards or out of the entries.
            throw new IllegalArgumentException("Entry at " + offset + " runs past the entries");
        }
        return (int) next;
    }

    /** Compares the key of the entry at {@code offset} with the given key, unsigned. */
    int compareKey(int offset, byte[] key, int keyOffset, int keyLength) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        int keyStart = kindAt((int) keyField) + 1;
        return Arrays.compareUnsigned(data, keyStart, keyStart + (int) (keyField >>> 32),
                key, keyOffset, keyOffset + keyLength);
    }

    /** Whether the key of the entry at {@code offset} starts with the prefix. */
    boolean keyStartsWith(int offset, byte[] prefix) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        if ((int) (keyField >>> 32) < prefix.length) {
            return false;
        }
        int keyStart = kindAt((int) keyField) + 1;
        return Arrays.equals(data, keyStart, keyStart + prefix.length, prefix, 0, prefix.length);
    }

    /** The key group of the entry's key (keys of a store's runs all begin with one). */
    int keyGroup(int offset) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        if ((int) (keyField >>> 32) < CompositeKey.KEY_GROUP_BYTES) {
            return -1;
        }
        int keyStart = kindAt((int) keyField) + 1;
        return ((data[keyStart] & 0xFF) << 8) | (data[keyStart + 1] & 0xFF);
    }

    byte[] key(int offset) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        int keyStart = kindAt((int) keyField) + 1;
        return Arrays.copyOfRange(data, keyStart, keyStart + (int) (keyField >>> 32));
    }

    /** The kind of the entry; {@code null} only in a block that was not {@link #validate()}d. */
    EntryKind kind(int offset) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        return EntryKind.fromCode(data[kindAt((int) keyField)]);
    }

    byte[] value(int offset) {
        long keyField = CompositeKey.readVarInt(data, offset, restartsStart);
        long valueField = CompositeKey.readVarInt(data, (int) keyField, restartsStart);
        int valueStart = (int) valueField + 1 + (int) (keyField >>> 32);
        return Arrays.copyOfRange(data, valueStart, valueStart + (int) (valueField >>> 32));
    }

    /** The kind byte's position, given the position of the value-length varint. */
    private int kindAt(int valueLengthAt) {
        return (int) CompositeKey.readVarInt(data, valueLengthAt, restartsStart);
    }

    private int restart(int i) {
        return readInt(data, restartsStart + i * Integer.BYTES);
    }

    private static int readInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 24)
                | ((bytes[offset + 1] & 0xFF) << 16)
                | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }
}
