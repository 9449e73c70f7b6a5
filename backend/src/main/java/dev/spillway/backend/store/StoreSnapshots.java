package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.MemtableCursor;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunWriter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The store side of its snapshot views ({@link StoreSnapshotView}): takes them, writes their
 * pinned records as a run, takes that run among the store's runs while the view holds the {@link
 * FreezeSlot}, and takes their pins back.
 *
 * <p>Taking a view pins the memtable's dirty records (a pass over the whole index) and retains the
 * runs of the moment. Records are immutable and pinned pages are not returned, so the view reads a
 * frozen state while the task thread keeps writing, from any thread, without locks.
 */
final class StoreSnapshots {

    private static final Logger LOG = LoggerFactory.getLogger(StoreSnapshots.class);

    private static final byte[] EMPTY = new byte[0];

    private final GuardedState state;
    private final Memtable memtable;
    private final CurrentRuns runs;
    private final FreezeSlot freeze;
    private final RunDirectory directory;
    private final StoreMemoryAccounts accounts;

    StoreSnapshots(
            GuardedState state,
            FreezeSlot freeze,
            RunDirectory directory,
            StoreMemoryAccounts accounts) {
        this.state = state;
        this.memtable = state.memtable;
        this.runs = state.runs;
        this.freeze = freeze;
        this.directory = directory;
        this.accounts = accounts;
    }

    /**
     * A view of the store as it is now. It takes the freeze if no other frozen write holds it, so
     * that its run may join the store's runs ({@link #installSnapshotRun}).
     */
    StoreSnapshot take() {
        state.lock.lock();
        try {
            state.checkOpen();
            // The view's execution memory: its pin array now (free memory and cached blocks only,
            // on the task thread), its sort and writer when it is read or persisted.
            MemoryReservation memory = accounts.forSnapshotPins(0);
            PinnedRecords pinned;
            try {
                pinned = memtable.pinDirty();
            } catch (RuntimeException e) {
                memory.close();
                throw e;
            }
            memory.growWithoutEvicting(pinned.size() * StoreMemoryAccounts.POINTER_BYTES);
            state.snapshotOpened();
            long token = freeze.tryTakeForSnapshot();
            long installAbove = token == 0 ? -1 : runs.newestInstalled();
            return new StoreSnapshotView(
                    pinned, memory, runs.retain(), installAbove, token, this);
        } finally {
            state.lock.unlock();
        }
    }

    /** Grows a view's memory to cover sorting and writing its pinned records; snapshot thread. */
    void reserveForSnapshotRun(MemoryReservation viewMemory, long records) {
        accounts.growForSnapshotRun(viewMemory, records);
    }

    /**
     * Writes a snapshot view's pinned records, in key order and with their kinds, as a run that
     * belongs to the view alone (it is not installed in the store). Called on the snapshot thread
     * without the store lock: the records are immutable while pinned, and the spill directory
     * takes writers from any thread.
     */
    Run writeSnapshotRun(PinnedRecords pinned) throws IOException {
        try (RunWriter writer = directory.newWriter(pinned.size(), RunWriter.Purpose.SNAPSHOT)) {
            MemtableCursor records = pinned.cursor(EMPTY, 0);
            while (records.next()) {
                writer.add(records.key(), records.kind(), records.value());
            }
            return writer.finish();
        } catch (IOException e) {
            throw new IOException(
                    "Store "
                            + state.storeName
                            + " could not write the "
                            + pinned.size()
                            + " in-memory entries of a snapshot to "
                            + directory.path()
                            + ": "
                            + e.getMessage()
                            + " The checkpoint fails and the store is unchanged; free disk space or"
                            + " point the spill directory at a larger disk.",
                    e);
        }
    }

    /**
     * Installs a snapshot's run among the store's runs, so that the entries it holds become clean:
     * a later eviction drops them without writing, and the next snapshot writes only what changed
     * since (which is what makes consecutive incremental checkpoints small). The run is the
     * memtable's dirty entries at the snapshot's moment, so it goes below the runs evictions
     * installed since ({@code installAbove} counts them, as for {@link
     * MemtableEviction#evictFrozen}); the snapshot held the freeze meanwhile, so no compaction
     * reordered them.
     *
     * <p>Not installed when it holds list-append operands: an append since the snapshot rewrote
     * such an entry as "operands + element", which would fold the run's operands a second time.
     * Such a run stays the view's own.
     *
     * @return whether the run is now one of the store's
     */
    boolean installSnapshotRun(Run run, PinnedRecords pinned, long installAbove, long token) {
        state.lock.lock();
        try {
            if (!freeze.heldBySnapshot(token)) {
                return false; // revoked: a compaction or an eviction could not wait for it
            }
            freeze.end();
            if (state.isClosed() || memtable.holdsOperands(pinned)) {
                return false;
            }
            runs.installBelowNewer(run, installAbove);
            memtable.markClean(pinned);
            return true;
        } finally {
            state.lock.unlock();
        }
    }

    /** A snapshot that held the freeze ends without installing a run. */
    void releaseSnapshotFreeze(long token) {
        state.lock.lock();
        try {
            if (freeze.heldBySnapshot(token)) {
                freeze.end();
            }
        } finally {
            state.lock.unlock();
        }
    }

    /** Returns a snapshot view's pins and wakes writers waiting for its memory; any thread. */
    void closeSnapshot(PinnedRecords pinned) {
        state.lock.lock();
        try {
            state.unpin(pinned);
            state.snapshotClosed();
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Waits, with the lock released, until no snapshot view pins memtable records, at most the
     * pin wait timeout. Called under the lock, after the store is closed (so no new view can be
     * taken).
     */
    void awaitViewsReleased() {
        long left = state.pinWaitNanos;
        try {
            while (state.openSnapshots() > 0 || freeze.inFlight()) {
                if (left <= 0) {
                    LOG.error(
                            "Store {} closes while {} snapshot view(s) still pin memory after"
                                    + " waiting {} ms for them; their pages go back to the pool"
                                    + " now. A snapshot was taken and neither run nor released.",
                            state.storeName,
                            state.openSnapshots(),
                            TimeUnit.NANOSECONDS.toMillis(state.pinWaitNanos));
                    return;
                }
                left = state.awaitPinRelease(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
