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
        long a = addresses[++position];
        page = pages[PagePointer.pageNumber(a)];
        offset = PagePointer.offset(a);
        return true;
    }

    @Override
    public byte[] key() {
        return Records.copyKey(page, offset);
    }

    @Override
    public EntryKind kind() {
        return Records.kind(page, offset);
    }

    @Override
    public byte[] value() {
        return Records.copyValue(page, offset);
    }

    @Override
    public void close() {}
}
