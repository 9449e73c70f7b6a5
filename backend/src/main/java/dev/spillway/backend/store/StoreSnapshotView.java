package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link StoreSnapshot}: the memtable records pinned when it was taken and the run version of
 * that moment. Taking it costs one pass over the memtable index on the task thread; everything
 * else (sorting the records, reading runs) happens on the threads that scan it. Any number of
 * cursors may be open on it at once, from any threads.
 *
 * <p><b>Two phases.</b> Until {@link #persist()} the view reads the pinned records in place, and
 * their pages stay allocated. The view pins only dirty entries: clean ones are copies of what its
 * runs resolve to. {@link #persist()} writes them, sorted, as one run (the <em>snapshot run</em>),
 * puts it in front of the view's runs and returns the pins: from then on the view is nothing but
 * immutable files and holds no store memory, so writes on the task thread never wait for the rest
 * of a checkpoint. Cursors opened before persisting keep reading the records they started on; the
 * store keeps those pages while any is open (see {@link StoreSnapshots#closeSnapshot}).
 *
 * <p><b>The snapshot run joins the store.</b> The view that holds the store's freeze ({@code
 * installAbove >= 0}: no other frozen write was in flight when it was taken) hands its run to the
 * store as well ({@link StoreSnapshots#installSnapshotRun}), which marks the entries it holds
 * clean. A view that keeps the freeze for more than a second without persisting loses it to the
 * next compaction or eviction, and its run then stays its own. So a checkpoint is also a flush, as in RocksDB: the next snapshot writes only what changed
 * since, and consecutive incremental checkpoints share every run but the newest.
 */
final class StoreSnapshotView implements StoreSnapshot {

    private static final Runnable VIEW_OWNS_PINS = () -> {};

    private final StoreSnapshots store;
    /** Runs installed before the view was taken, if it holds the store's freeze; else -1. */
    private long installAbove;
    /** The store's token for this view's freeze (meaningful while {@code installAbove >= 0}). */
    private final long freezeToken;
    /** The pinned memtable records; {@code null} once persisted. */
    private PinnedRecords pinned;
    /** Execution memory of the pin array, its sort and writer; closed with the pins. */
    private final MemoryReservation memory;
    /** The view's runs: the moment's runs, after {@link #persist()} with the snapshot run first. */
    private RunVersion runs;
    /** Cursors reading {@link #pinned}; the pins go back when the last one closes. */
    private int pinnedCursors;
    /** Whether {@link #memory} was grown for the sort the first pinned reader does. */
    private boolean sortReserved;
    private boolean persisted;
    private boolean closed;

    StoreSnapshotView(
            PinnedRecords pinned,
            MemoryReservation memory,
            RunVersion runs,
            long installAbove,
            long freezeToken,
            StoreSnapshots store) {
        this.pinned = pinned;
        this.memory = memory;
        this.runs = runs;
        this.installAbove = installAbove;
        this.freezeToken = freezeToken;
        this.store = store;
    }

    @Override
    public synchronized StoreCursor scan(byte[] prefix, int prefixLength) throws IOException {
        checkOpen();
        byte[] exactPrefix = Arrays.copyOf(prefix, prefixLength);
        if (persisted) {
            return new StoreScanCursor(
                    SeekingMerge.merge(null, runs, exactPrefix, false), VIEW_OWNS_PINS, null);
        }
        pinnedCursors++;
        try {
            if (!sortReserved) { // the first reader sorts
                sortReserved = true;
                StoreMemoryAccounts.growForSort(memory, pinned.size());
            }
            return new StoreScanCursor(
                    SeekingMerge.merge(pinned, runs, exactPrefix, false),
                    this::pinnedCursorClosed,
                    null);
        } catch (IOException | RuntimeException e) {
            pinnedCursorClosed();
            throw e;
        }
    }

    @Override
    public synchronized List<SnapshotRun> persist() throws IOException {
        checkOpen();
        if (!persisted) {
            Run snapshotRun;
            try {
                if (pinned.size() > 0) {
                    store.reserveForSnapshotRun(memory, pinned.size());
                }
                snapshotRun = pinned.size() == 0 ? null : store.writeSnapshotRun(pinned);
            } catch (IOException | RuntimeException e) {
                releaseFreeze();
                throw e;
            }
            if (snapshotRun != null) {
                RunVersion withSnapshotRun = runs.withNewest(snapshotRun);
                if (installAbove >= 0) {
                    store.installSnapshotRun(snapshotRun, pinned, installAbove, freezeToken);
                    installAbove = -1;
                }
                snapshotRun.release();
                runs.release();
                runs = withSnapshotRun;
            }
            releaseFreeze();
            persisted = true;
            returnPinsIfUnread();
        }
        List<SnapshotRun> files = new ArrayList<>(runs.size());
        for (Run run : runs.runs()) {
            files.add(
                    new SnapshotRun(
                            run.name(),
                            run.file(),
                            run.sizeBytes(),
                            run.entryCount(),
                            run.fence(),
                            run.origin(),
                            run.overheadBytes(),
                            run.mergedFrom()));
        }
        return files;
    }

    private synchronized void pinnedCursorClosed() {
        pinnedCursors--;
        returnPinsIfUnread();
    }

    /** Gives the pins back once the view no longer needs them: persisted or closed, no reader. */
    private void returnPinsIfUnread() {
        if (pinned != null && (persisted || closed) && pinnedCursors == 0) {
            PinnedRecords unpinned = pinned;
            pinned = null;
            try {
                store.closeSnapshot(unpinned);
            } finally {
                memory.close();
            }
        }
    }

    private void releaseFreeze() {
        if (installAbove >= 0) {
            installAbove = -1;
            store.releaseSnapshotFreeze(freezeToken);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The snapshot view is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            releaseFreeze();
            returnPinsIfUnread();
        } finally {
            runs.release();
        }
    }
}
