package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.EntryCursor;

import java.io.IOException;

/**
 * A {@link StoreCursor} over a merged view: the live entries of pinned memtable records and of
 * runs, resolved newest first. Cursors from {@link SpillableStore#scan} may delete the current
 * entry through the store; snapshot cursors are read-only.
 */
final class StoreScanCursor implements StoreCursor {

    private final EntryCursor merged;
    private final Runnable releasePins;
    private final StateStore removeThrough;
    private boolean positioned;
    private boolean closed;

    /**
     * @param releasePins returns the memtable pins of this cursor, or nothing for snapshot
     *     cursors (their view owns the pins)
     * @param removeThrough the store that {@link #remove()} deletes from; {@code null} for a
     *     read-only cursor
     */
    StoreScanCursor(EntryCursor merged, Runnable releasePins, StateStore removeThrough) {
        this.merged = merged;
        this.releasePins = releasePins;
        this.removeThrough = removeThrough;
    }

    @Override
    public boolean next() throws IOException {
        positioned = !closed && merged.next();
        return positioned;
    }

    @Override
    public byte[] key() {
        checkPositioned();
        return merged.key();
    }

    @Override
    public byte[] value() {
        checkPositioned();
        return merged.value();
    }

    @Override
    public void remove() throws IOException {
        if (removeThrough == null) {
            throw new IllegalStateException("Snapshot cursors are read-only");
        }
        checkPositioned();
        byte[] key = merged.key();
        removeThrough.delete(key, key.length);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        positioned = false;
        try {
            merged.close();
        } finally {
            releasePins.run();
        }
    }

    private void checkPositioned() {
        if (!positioned) {
            throw new IllegalStateException("The cursor is not on an entry; call next() first");
        }
    }
}
