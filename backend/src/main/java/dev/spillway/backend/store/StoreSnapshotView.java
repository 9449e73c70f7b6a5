package dev.spillway.backend.store;

import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;
import java.util.Arrays;

/**
 * A {@link StoreSnapshot}: the memtable records pinned when it was taken and the run version of
 * that moment. Taking it costs one pass over the memtable index on the task thread; everything
 * else (sorting the records, reading runs) happens on the threads that scan it. Any number of
 * cursors may be open on it at once, from any threads.
 */
final class StoreSnapshotView implements StoreSnapshot {

    private static final Runnable VIEW_OWNS_PINS = () -> {};

    private final PinnedRecords pinned;
    private final RunVersion runs;
    private final SpillableStore store;
    private boolean closed;

    StoreSnapshotView(PinnedRecords pinned, RunVersion runs, SpillableStore store) {
        this.pinned = pinned;
        this.runs = runs;
        this.store = store;
    }

    @Override
    public synchronized StoreCursor scan(byte[] prefix, int prefixLength) throws IOException {
        if (closed) {
            throw new IllegalStateException("The snapshot view is closed");
        }
        byte[] exactPrefix = Arrays.copyOf(prefix, prefixLength);
        return new StoreScanCursor(
                SpillableStore.merge(pinned, runs, exactPrefix, false), VIEW_OWNS_PINS, null);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            store.closeSnapshot(pinned);
        } finally {
            runs.release();
        }
    }
}
