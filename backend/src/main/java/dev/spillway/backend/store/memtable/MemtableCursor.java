package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PagePointer;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

/**
 * Walks pinned or batched memtable records in the key order they were sorted into, speaking the
 * same {@link EntryCursor} as run readers so the store merges both with one merging cursor.
 */
public final class MemtableCursor implements EntryCursor {

    private final Page[] pages;
    private final long[] addresses;
    private final int end;
    private int position;
    private Page page;
    private int offset;

    /** After {@link #detach()}: the entries from the current one on, copied to the heap. */
    private byte[][] heapKeys;
    private EntryKind[] heapKinds;
    private byte[][] heapValues;
    private int heapFirst;

    MemtableCursor(Page[] pages, long[] addresses, int from, int to) {
        this.pages = pages;
        this.addresses = addresses;
        this.position = from - 1;
        this.end = to;
    }

    @Override
    public boolean next() {
        if (position + 1 >= end) {
            position = end;
            return false;
        }
        ++position;
        if (heapKeys == null) {
            long a = addresses[position];
            page = pages[PagePointer.pageNumber(a)];
            offset = PagePointer.offset(a);
        }
        return true;
    }

    @Override
    public byte[] key() {
        return heapKeys != null ? heapKeys[position - heapFirst].clone() : Records.copyKey(page, offset);
    }

    @Override
    public EntryKind kind() {
        return heapKinds != null ? heapKinds[position - heapFirst] : Records.kind(page, offset);
    }

    @Override
    public byte[] value() {
        return heapValues != null
                ? heapValues[position - heapFirst].clone()
                : Records.copyValue(page, offset);
    }

    /**
     * Copies the entries this cursor has not passed yet (the current one included) to the heap, so
     * that it no longer reads the pinned pages and their pins can be returned. A write that finds
     * no memory while a task-thread scan pins pages asks for this (the pins of a row spread over
     * many pages can hold the whole budget); it costs a copy of what is left of the scan.
     */
    void detach() {
        if (heapKeys != null) {
            return;
        }
        int first = Math.max(position, 0);
        int count = Math.max(0, end - first);
        byte[][] keys = new byte[count][];
        EntryKind[] kinds = new EntryKind[count];
        byte[][] values = new byte[count][];
        for (int i = 0; i < count; i++) {
            long a = addresses[first + i];
            Page p = pages[PagePointer.pageNumber(a)];
            int o = PagePointer.offset(a);
            keys[i] = Records.copyKey(p, o);
            kinds[i] = Records.kind(p, o);
            values[i] = Records.copyValue(p, o);
        }
        heapFirst = first;
        heapKeys = keys;
        heapKinds = kinds;
        heapValues = values;
        page = null;
    }

    @Override
    public void close() {}
}
