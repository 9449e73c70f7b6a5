package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PagePointer;

import java.util.ArrayList;
import java.util.List;

/**
 * Memtable records pinned for a scan or a snapshot view: their pointers and the page table to read
 * them through. The pages stay allocated until {@link Memtable#unpin}; the records never change,
 * so any thread may read them meanwhile.
 *
 * <p>The pointers are sorted by key lazily, by the first reader, so that taking a snapshot costs
 * one pass over the index on the task thread and the O(n log n) sort happens on the snapshot
 * thread.
 */
public final class PinnedRecords {

    private final Page[] pageTable;
    private final long[] addresses;
    private final int size;
    /** The snapshot epoch the pins started ({@link RecordPages#startEpoch}), or 0 if none. */
    private final long epoch;
    private boolean sorted;
    /** The cursors made over these records, for {@link #detach()}. */
    private final List<MemtableCursor> cursors = new ArrayList<>(1);
    private boolean detached;

    PinnedRecords(Page[] pageTable, long[] addresses, int size) {
        this(pageTable, addresses, size, 0);
    }

    PinnedRecords(Page[] pageTable, long[] addresses, int size, long epoch) {
        this.pageTable = pageTable;
        this.addresses = addresses;
        this.size = size;
        this.epoch = epoch;
    }

    long epoch() {
        return epoch;
    }

    public int size() {
        return size;
    }

    long[] addresses() {
        return addresses;
    }

    /** A cursor over the pinned records whose keys start with the prefix, in key order. */
    public synchronized MemtableCursor cursor(byte[] prefix, int prefixLength) {
        if (detached) {
            throw new IllegalStateException("The pinned records were detached from their pages");
        }
        if (!sorted) {
            RecordSort.sortByKey(addresses, size, pageTable);
            sorted = true;
        }
        int from = RecordSort.lowerBound(addresses, size, pageTable, prefix, prefixLength);
        int to = from;
        while (to < size && startsWith(addresses[to], prefix, prefixLength)) {
            to++;
        }
        MemtableCursor cursor = new MemtableCursor(pageTable, addresses, from, to);
        cursors.add(cursor);
        return cursor;
    }

    /**
     * Moves what the cursors over these records have left to read onto the heap; afterwards the
     * records may be unpinned while the cursors go on. Call on the thread that uses the cursors,
     * between two of their calls.
     */
    public synchronized void detach() {
        for (MemtableCursor cursor : cursors) {
            cursor.detach();
        }
        detached = true;
    }

    private boolean startsWith(long address, byte[] prefix, int prefixLength) {
        return Records.keyStartsWith(
                pageTable[PagePointer.pageNumber(address)], PagePointer.offset(address), prefix, prefixLength);
    }
}
