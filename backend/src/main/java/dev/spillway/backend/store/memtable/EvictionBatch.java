package dev.spillway.backend.store.memtable;

import dev.spillway.backend.store.entry.EntryKind;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The records chosen for one eviction: pointers to the dirty ones, which must be written to a run,
 * and to the clean ones, which the runs already hold and are simply dropped. Held on the heap (8
 * bytes a record) rather than in execution memory because eviction runs inside {@code spill},
 * which must never ask the memory manager for more; the records themselves are not copied.
 */
public final class EvictionBatch {

    /**
     * Whether list-append operands stay out of the batch. A batch written off the store lock
     * must leave them: an append to a frozen APPEND entry rewrites it as "frozen operands +
     * element", so once the frozen operands also reach the run, a read would fold them twice.
     */
    private final boolean withoutOperands;

    private long[] addresses = new long[64];
    private int size;
    private long[] cleanAddresses = new long[16];
    private int cleanSize;
    private long recordBytes;

    /** A batch for an eviction under the store lock: every live record may go. */
    public EvictionBatch() {
        this(false);
    }

    /** A batch whose records are written off the store lock: APPEND records stay in memory. */
    public static EvictionBatch forFrozenWrite() {
        return new EvictionBatch(true);
    }

    private EvictionBatch(boolean withoutOperands) {
        this.withoutOperands = withoutOperands;
    }

    boolean takes(EntryKind kind) {
        return !(withoutOperands && kind == EntryKind.APPEND);
    }

    void add(long address, int bytes, boolean clean) {
        if (clean) {
            if (cleanSize == cleanAddresses.length) {
                cleanAddresses = Arrays.copyOf(cleanAddresses, cleanSize * 2);
            }
            cleanAddresses[cleanSize++] = address;
        } else {
            if (size == addresses.length) {
                addresses = Arrays.copyOf(addresses, size * 2);
            }
            addresses[size++] = address;
        }
        recordBytes += bytes;
    }

    /** Records to write. */
    public int size() {
        return size;
    }

    /** Records to drop without writing. */
    public int cleanSize() {
        return cleanSize;
    }

    long cleanAddress(int i) {
        return cleanAddresses[i];
    }

    public long recordBytes() {
        return recordBytes;
    }

    long address(int i) {
        return addresses[i];
    }

    /** A copy of the dirty records' pointers. */
    long[] dirtyAddresses() {
        return Arrays.copyOf(addresses, size);
    }

    /** Every record of the batch, dirty and clean. */
    void forEachRecord(LongConsumer action) {
        for (int i = 0; i < size; i++) {
            action.accept(addresses[i]);
        }
        for (int i = 0; i < cleanSize; i++) {
            action.accept(cleanAddresses[i]);
        }
    }

    /** Sorts the records by key and returns a cursor over them in that order. */
    public MemtableCursor sortedCursor(Memtable memtable) {
        RecordSort.sortByKey(addresses, size, memtable.pageTable());
        return new MemtableCursor(memtable.pageTable(), addresses, 0, size);
    }

    public void clear() {
        size = 0;
        cleanSize = 0;
        recordBytes = 0;
    }
}
