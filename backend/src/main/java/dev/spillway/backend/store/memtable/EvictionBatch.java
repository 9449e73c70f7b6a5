package dev.spillway.backend.store.memtable;

import java.util.Arrays;

/**
 * The records chosen for one eviction: pointers to the dirty ones, which must be written to a run,
 * and to the clean ones, which the runs already hold and are simply dropped. Held on the heap (8
 * bytes a record) rather than in execution memory because eviction runs inside {@code spill},
 * which must never ask the memory manager for more; the records themselves are not copied.
 */
public final class EvictionBatch {

    private long[] addresses = new long[64];
    private int size;
    private long[] cleanAddresses = new long[16];
    private int cleanSize;
    private long recordBytes;

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
