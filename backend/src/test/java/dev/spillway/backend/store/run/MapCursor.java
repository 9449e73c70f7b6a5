package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/** An {@link EntryCursor} over a sorted map: stands in for a memtable in merge tests. */
public final class MapCursor implements EntryCursor {

    private final Iterator<Map.Entry<byte[], EntryValue>> entries;
    private Map.Entry<byte[], EntryValue> current;
    private boolean closed;

    public MapCursor(NavigableMap<byte[], EntryValue> entries) {
        this.entries = entries.entrySet().iterator();
    }

    @Override
    public boolean next() {
        current = entries.hasNext() ? entries.next() : null;
        return current != null;
    }

    @Override
    public byte[] key() {
        return current.getKey().clone();
    }

    @Override
    public EntryKind kind() {
        return current.getValue().kind();
    }

    @Override
    public byte[] value() {
        return current.getValue().value().clone();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
