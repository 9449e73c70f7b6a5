package dev.spillway.backend.store.entry;

/**
 * The byte layout of store keys, shared by the state layer (which builds them) and the store
 * (which indexes rows and scans prefixes):
 *
 * <pre>
 *   [key group: 2 bytes, big-endian]
 *   [state id:  2 bytes, big-endian]
 *   [key length: varint][key bytes]
 *   [namespace length: varint][namespace bytes]
 *   [map user key bytes]            (MapState only; runs to the end of the key)
 * </pre>
 *
 * <p>Why this order: unsigned byte order then groups a key group first (canonical savepoints and
 * rescaling read key-group ranges), then one state inside it, then one row. Every variable part
 * carries its length in front (unsigned LEB128: 7 bits a byte, low group first, high bit set on
 * all bytes but the last), so each level is a true byte prefix of the level below whatever the
 * serializers write; RocksDB's length suffixes only disambiguate and do not make rows prefixes.
 * The key group is always two bytes, so files do not depend on the job's max parallelism (at most
 * 32768 key groups).
 *
 * <p>A <em>row</em> is everything up to the end of the namespace: one (key, namespace) of one state.
 * MapState keeps one entry per user key under the row; every other state keeps exactly one entry
 * whose key is the row itself.
 */
public final class CompositeKey {

    /** Bytes of the key-group prefix. */
    public static final int KEY_GROUP_BYTES = 2;

    /** Bytes of key group plus state id: the prefix of one state inside one key group. */
    public static final int STATE_PREFIX_BYTES = 4;

    /** The largest state id that fits the layout. */
    public static final int MAX_STATE_ID = 0xFFFF;

    private CompositeKey() {}

    /** The key group of a key. */
    public static int keyGroup(byte[] key) {
        return ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
    }

    /** The state id of a key. */
    public static int stateId(byte[] key) {
        return ((key[2] & 0xFF) << 8) | (key[3] & 0xFF);
    }

    /** Writes the 4-byte [key group][state id] prefix at offset 0 of the target. */
    public static void writeStatePrefix(byte[] target, int keyGroup, int stateId) {
        target[0] = (byte) (keyGroup >>> 8);
        target[1] = (byte) keyGroup;
        target[2] = (byte) (stateId >>> 8);
        target[3] = (byte) stateId;
    }

    /** Writes the 2-byte key-group prefix at offset 0 of the target. */
    public static void writeKeyGroupPrefix(byte[] target, int keyGroup) {
        target[0] = (byte) (keyGroup >>> 8);
        target[1] = (byte) keyGroup;
    }

    /** Writes an unsigned LEB128 varint at the offset; returns the offset after it. */
    public static int writeVarInt(byte[] target, int offset, int value) {
        while ((value & ~0x7F) != 0) {
            target[offset++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        target[offset++] = (byte) value;
        return offset;
    }

    /** The number of bytes {@link #writeVarInt} writes for the value. */
    public static int varIntSize(int value) {
        int size = 1;
        while ((value & ~0x7F) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }

    /**
     * Reads an unsigned LEB128 varint at the offset. Returns {@code (value << 32) | nextOffset};
     * throws {@link IllegalArgumentException} when it runs past the limit or over five bytes.
     */
    public static long readVarInt(byte[] source, int offset, int limit) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (offset >= limit) {
                throw new IllegalArgumentException("Truncated composite key: varint runs past " + limit);
            }
            byte b = source[offset++];
            value |= (b & 0x7F) << shift;
            if (b >= 0) {
                return ((long) value << 32) | offset;
            }
        }
        throw new IllegalArgumentException("Corrupt composite key: varint longer than 5 bytes");
    }

    /** Offset of the first key byte; the key's length is {@link #keyLength}. */
    public static int keyOffset(byte[] key, int length) {
        return (int) readVarInt(key, STATE_PREFIX_BYTES, length);
    }

    /** Length of the serialized key. */
    public static int keyLength(byte[] key, int length) {
        return (int) (readVarInt(key, STATE_PREFIX_BYTES, length) >>> 32);
    }

    /** Offset of the namespace length varint. */
    private static int namespaceLengthOffset(byte[] key, int length) {
        long keyField = readVarInt(key, STATE_PREFIX_BYTES, length);
        return (int) keyField + (int) (keyField >>> 32);
    }

    /** Offset of the first namespace byte. */
    public static int namespaceOffset(byte[] key, int length) {
        return (int) readVarInt(key, namespaceLengthOffset(key, length), length);
    }

    /** Length of the serialized namespace. */
    public static int namespaceLength(byte[] key, int length) {
        return (int) (readVarInt(key, namespaceLengthOffset(key, length), length) >>> 32);
    }

    /**
     * Length of the row prefix of a key: everything through the namespace. Equal to {@code length}
     * for every state but MapState, whose user key follows.
     */
    public static int rowLength(byte[] key, int length) {
        long nsField = readVarInt(key, namespaceLengthOffset(key, length), length);
        int end = (int) nsField + (int) (nsField >>> 32);
        if (end > length) {
            throw new IllegalArgumentException(
                    "Corrupt composite key: namespace ends at " + end + " past length " + length);
        }
        return end;
    }
}
