package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.store.entry.EntryKind;

/**
 * The byte layout of one memtable record and the reads on it. A record is written once and never
 * changed, which is what lets snapshot views read it from another thread while the task thread
 * keeps writing.
 *
 * <pre>
 *   [entry: int][key length: int][value length: int][kind: byte][key bytes][value bytes]
 * </pre>
 *
 * <p>The entry number names the index slot that pointed at the record when it was written; the
 * record is live exactly while that slot still points at it, which lets eviction walk a page and
 * tell live records from garbage without hashing any key.
 *
 * <p>A record is addressed by a {@link dev.spillway.backend.memory.PagePointer}: the index of its
 * page in the memtable's page array and its offset there. Readers pass the page table they hold:
 * the live one on the task thread, a copy in snapshot views.
 */
final class Records {

    static final int HEADER_BYTES = 13;

    /** Kinds indexed by their code: a read costs an array load, not a {@code values()} copy. */
    private static final EntryKind[] KINDS_BY_CODE = kindsByCode();

    private Records() {}

    private static EntryKind[] kindsByCode() {
        EntryKind[] byCode = new EntryKind[Byte.MAX_VALUE + 1];
        for (EntryKind kind : EntryKind.values()) {
            byCode[kind.code()] = kind;
        }
        return byCode;
    }

    static int size(int keyLength, int valueLength) {
        return HEADER_BYTES + keyLength + valueLength;
    }

    static int write(
            Page page,
            int offset,
            int entry,
            EntryKind kind,
            byte[] key,
            int keyLength,
            byte[] value,
            int valueOffset,
            int valueLength) {
        writeHeader(page, offset, entry, kind, keyLength, valueLength);
        page.put(offset + HEADER_BYTES, key, 0, keyLength);
        page.put(offset + HEADER_BYTES + keyLength, value, valueOffset, valueLength);
        return size(keyLength, valueLength);
    }

    static void writeHeader(
            Page page, int offset, int entry, EntryKind kind, int keyLength, int valueLength) {
        page.putInt(offset, entry);
        page.putInt(offset + 4, keyLength);
        page.putInt(offset + 8, valueLength);
        page.putByte(offset + 12, kind.code());
    }

    static int entry(Page page, int offset) {
        return page.getInt(offset);
    }

    static int keyLength(Page page, int offset) {
        return page.getInt(offset + 4);
    }

    static int valueLength(Page page, int offset) {
        return page.getInt(offset + 8);
    }

    static int size(Page page, int offset) {
        return size(keyLength(page, offset), valueLength(page, offset));
    }

    static EntryKind kind(Page page, int offset) {
        int code = page.getByte(offset + 12);
        EntryKind kind = code >= 0 && code < KINDS_BY_CODE.length ? KINDS_BY_CODE[code] : null;
        if (kind == null) {
            throw new IllegalStateException("Corrupt memtable record: kind code " + code);
        }
        return kind;
    }

    static int keyStart(int offset) {
        return offset + HEADER_BYTES;
    }

    static int valueStart(Page page, int offset) {
        return offset + HEADER_BYTES + keyLength(page, offset);
    }

    static byte[] copyKey(Page page, int offset) {
        byte[] key = new byte[keyLength(page, offset)];
        page.get(keyStart(offset), key, 0, key.length);
        return key;
    }

    static byte[] copyValue(Page page, int offset) {
        byte[] value = new byte[valueLength(page, offset)];
        page.get(valueStart(page, offset), value, 0, value.length);
        return value;
    }

    /** Whether the record's key equals {@code key[0, length)}. */
    static boolean keyEquals(Page page, int offset, byte[] key, int length) {
        return keyLength(page, offset) == length
                && page.compare(keyStart(offset), length, key, 0, length) == 0;
    }

    /** Whether the record's key starts with {@code prefix[0, length)}. */
    static boolean keyStartsWith(Page page, int offset, byte[] prefix, int length) {
        return keyLength(page, offset) >= length
                && page.compare(keyStart(offset), length, prefix, 0, length) == 0;
    }

    /** Unsigned comparison of two records' keys. */
    /**
     * Eight bytes of the key from {@code from} on, as a big-endian number, zero-padded past the
     * key's end: two keys whose first sixteen bytes differ compare as their two prefixes (bytes
     * 0-7, then 8-15) do, unsigned, so a sort settles most comparisons on longs without touching
     * the pages again.
     */
    static long keyPrefix(Page page, int offset, int from) {
        int keyLength = keyLength(page, offset);
        int start = keyStart(offset) + from;
        if (keyLength - from >= Long.BYTES) {
            return page.getLongBigEndian(start);
        }
        long prefix = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            prefix = (prefix << 8) | (from + i < keyLength ? page.getByte(start + i) & 0xFF : 0);
        }
        return prefix;
    }

    static int compareKeys(Page pageA, int offsetA, Page pageB, int offsetB) {
        return pageA.compare(
                keyStart(offsetA), keyLength(pageA, offsetA), pageB, keyStart(offsetB), keyLength(pageB, offsetB));
    }

    /** Unsigned comparison of the record's key with {@code probe[0, length)}. */
    static int compareKey(Page page, int offset, byte[] probe, int length) {
        return page.compare(keyStart(offset), keyLength(page, offset), probe, 0, length);
    }
}
