package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.memtable.EvictionBatch;
import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.MemtableCursor;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunWriter;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Writes cold memtable entries to a new run and frees their pages, when the memory manager needs
 * storage memory back (the memtable consumer's {@code spill}) or ahead of need ({@link
 * BackgroundEviction}).
 *
 * <p>The memtable's CLOCK hand chooses pages whose heat has decayed, their live records are sorted
 * by key (pointers only, on the heap, charged to execution memory from free memory and cached
 * blocks only: see {@link StoreMemoryAccounts}) and written as one new run, and only then are they removed from the memtable, so an I/O failure leaves every entry in
 * memory. Each spill may make the compaction policy due.
 *
 * <p>A {@code spill} from the task thread itself (its own allocation ran short) re-enters the held
 * store lock; a {@code spill} from another thread waits at most {@value #EVICTION_LOCK_WAIT_MILLIS}
 * ms and otherwise reports nothing freed, so the memory manager moves on to another consumer. That
 * bound is also what rules out a deadlock between two stores whose task threads each hold their
 * own lock while asking for memory the other one holds.
 */
final class MemtableEviction {

    static final long EVICTION_LOCK_WAIT_MILLIS = 100;

    /** An eviction takes at least this fraction (1/n) of the memtable's pages. */
    static final int MIN_EVICTION_SHARE_DIVISOR = 8;

    private static final byte[] EMPTY = new byte[0];

    private final GuardedState state;
    private final Memtable memtable;
    private final CurrentRuns runs;
    private final FreezeSlot freeze;
    private final StoreCompaction compaction;
    private final RunDirectory directory;
    private final StoreMemoryAccounts accounts;
    private final BackgroundEviction evictionAhead;
    /** The batch of evictions under the lock, reused: {@code spill} may not take memory. */
    private final EvictionBatch evictionBatch = new EvictionBatch();

    // Written under the lock, read by metric reporters without it.
    private volatile long evictedEntries;
    private volatile long evictedBytes;
    private volatile long spills;

    MemtableEviction(
            GuardedState state,
            FreezeSlot freeze,
            StoreCompaction compaction,
            RunDirectory directory,
            StoreMemoryAccounts accounts) {
        this.state = state;
        this.memtable = state.memtable;
        this.runs = state.runs;
        this.freeze = freeze;
        this.compaction = compaction;
        this.directory = directory;
        this.accounts = accounts;
        this.evictionAhead = new BackgroundEviction(this::evictAhead, state.storeName);
    }

    /**
     * Writes cold memtable entries covering at least {@code bytes} to a new run and frees their
     * pages. Returns the bytes of pages returned to the pool (less than asked when snapshot views
     * pin the chosen pages, or 0 when another thread holds the store too long).
     *
     * <p>Two ways, by who asks. The task thread's own allocation ran short (it holds the lock,
     * inside an operation): it cannot go on until memory is free anyway, so the eviction runs
     * under the lock. Any other thread (another backend's or an execution consumer's request): the
     * victims are <em>frozen</em> under the lock, the run is written without it, and it is
     * installed under it again ({@link #evictFrozen}), so the task thread keeps reading and writing
     * while the disk works.
     */
    long evict(long bytes) throws IOException {
        if (!state.lock.isHeldByCurrentThread()) {
            return evictFrozen(bytes);
        }
        if (state.isClosed()) {
            return 0;
        }
        try {
            long before = memtable.pageBytes();
            evictionBatch.clear();
            chooseVictims(bytes, evictionBatch);
            if (evictionBatch.size() + evictionBatch.cleanSize() == 0) {
                return 0;
            }
            Run run = writeRun(evictionBatch.size(), () -> evictionBatch.sortedCursor(memtable));
            if (run != null) {
                runs.installNewest(run);
                run.release();
                spills++;
                compaction.schedule();
            }
            memtable.removeAll(evictionBatch);
            countEvicted(evictionBatch);
            return before - memtable.pageBytes();
        } finally {
            evictionBatch.clear();
            memtable.endEviction();
        }
    }

    /**
     * An eviction whose run is written without the store lock.
     *
     * <p><b>Freeze.</b> Under the lock the victims are chosen and their records pinned ({@link
     * Memtable#freeze}); their entries stay in the index, so reads still find them in memory, and
     * writes to them simply make new records. <b>Write.</b> Without the lock the frozen records
     * are sorted and written as a run. <b>Install.</b> Under the lock the run goes into the run
     * version, the entries whose record is still the frozen one leave the index (an entry written
     * meanwhile is newer and stays), and the pins go.
     *
     * <p><b>Where the run goes.</b> The frozen records were the newest state of their keys when
     * frozen, so the run is newer than every run that existed then, and older than every run the
     * task thread's own evictions installed since (those hold records at least as new). It is
     * therefore inserted below the runs installed during the write. Two guards keep that position
     * meaningful: one frozen eviction at a time, and no compaction planned while one is in flight
     * (a merge of a newer run with older ones would leave it no place); both are the {@link
     * FreezeSlot}. And because the frozen entries are still in the index but are about to reach a
     * run, a delete or an append meanwhile must not assume "no runs, nothing older on disk" (the store's {@code
     * mayHaveOlderEntries}). List-append operands stay in memory ({@link
     * EvictionBatch#forFrozenWrite}).
     *
     * <p>If the run cannot be written (full disk), nothing changes: the entries stay in memory. If
     * the store closed meanwhile, the run is dropped.
     */
    private long evictFrozen(long bytes) throws IOException {
        EvictionBatch batch = EvictionBatch.forFrozenWrite();
        PinnedRecords frozen;
        long installedBefore;
        if (!tryLockForEviction()) {
            return 0;
        }
        try {
            freeze.revokeStaleSnapshotFreeze(false);
            if (state.isClosed() || freeze.inFlight()) {
                return 0;
            }
            try {
                chooseVictims(bytes, batch);
            } finally {
                memtable.endEviction();
            }
            if (batch.size() + batch.cleanSize() == 0) {
                return 0;
            }
            frozen = memtable.freeze(batch);
            freeze.takeForEviction();
            installedBefore = runs.newestInstalled();
        } finally {
            state.lock.unlock();
        }
        Run run = null;
        try {
            run = writeRun(frozen.size(), () -> frozen.cursor(EMPTY, 0));
        } finally {
            if (run == null && batch.size() > 0) {
                // The write failed: everything stays in memory.
                endFrozenEviction(batch);
            }
        }
        // The task thread holds the lock only for single operations (it waits for memory or for
        // snapshot views with the lock released), so this wait is short.
        state.lock.lock();
        try {
            freeze.end();
            if (state.isClosed()) {
                if (run != null) {
                    run.release();
                }
                return 0;
            }
            long before = memtable.pageBytes();
            if (run != null) {
                runs.installBelowNewer(run, installedBefore);
                run.release();
                spills++;
            }
            memtable.removeAll(batch);
            countEvicted(batch);
            memtable.thaw(batch);
            return before - memtable.pageBytes();
        } finally {
            state.lock.unlock();
        }
    }

    /** Ends a frozen eviction whose run was not written; the entries stay. */
    private void endFrozenEviction(EvictionBatch batch) {
        state.lock.lock();
        try {
            freeze.end();
            if (!state.isClosed()) {
                memtable.thaw(batch);
            }
        } finally {
            state.lock.unlock();
        }
    }

    /** The memtable's new page left memory low: start freeing some in the background. */
    void scheduleEvictionAhead() {
        if (!state.isClosed() && !freeze.inFlight()) {
            evictionAhead.schedule();
        }
    }

    /** One eviction ahead of need, on the background thread: a share of the memtable, frozen. */
    private long evictAhead() throws IOException {
        return evictFrozen(memtable.pageBytes() / MIN_EVICTION_SHARE_DIVISOR);
    }

    /** Stops evicting ahead and waits for a running eviction; call without the store lock. */
    void shutdown() {
        evictionAhead.shutdown();
    }

    private void countEvicted(EvictionBatch batch) {
        evictedEntries += batch.size() + batch.cleanSize();
        evictedBytes += batch.recordBytes();
    }

    private boolean tryLockForEviction() {
        try {
            return state.lock.tryLock(EVICTION_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Takes pages from the CLOCK hand until they cover the request, each page at most once, and
     * at least {@value #MIN_EVICTION_SHARE_DIVISOR}th of the memtable: evicting one page per request
     * would write a stream of tiny runs for compaction to merge again.
     *
     * <p>Cold pages that hold only clean records go first (a first turn of the hand that cools
     * nothing): once a checkpoint's snapshot run has joined the store, the pages written before it
     * are such pages, and evicting them writes nothing. A cold page with dirty records would write
     * a small run of entries the next checkpoint's snapshot run holds anyway, and every such run
     * counts toward the compaction policy's merge width: measured in the checkpoint benchmark, one
     * tiny run per checkpoint and subtask halved the number of checkpoints between two merges of
     * recent runs, whose outputs the next checkpoint uploads again.
     *
     * <p>Pages pinned by an open snapshot view or scan cursor are taken only when the unpinned
     * ones cannot cover the request: their records still go to the run and their entries leave the
     * index (which is what an index growth needs), but their memory returns only when the views
     * close. Preferring unpinned pages is what lets a store keep writing during a checkpoint: the
     * pages written since the snapshot are free to go.
     */
    private void chooseVictims(long requested, EvictionBatch batch) {
        long target =
                Math.max(1, Math.max(requested, memtable.pageBytes() / MIN_EVICTION_SHARE_DIVISOR));
        long chosen = takeSettledVictims(target, batch);
        chosen = takeVictims(false, target, chosen, batch);
        takeVictims(true, target, chosen, batch);
    }

    private long takeSettledVictims(long target, EvictionBatch batch) {
        long chosen = 0;
        while (chosen < target) {
            int page = memtable.nextSettledVictimPage();
            if (page < 0) {
                break;
            }
            chosen += memtable.pageBytes(page);
            memtable.collectLive(page, batch);
        }
        return chosen;
    }

    private long takeVictims(boolean pinned, long target, long chosen, EvictionBatch batch) {
        while (chosen < target) {
            int page = memtable.nextVictimPage(pinned);
            if (page < 0) {
                break;
            }
            chosen += memtable.pageBytes(page);
            memtable.collectLive(page, batch);
        }
        return chosen;
    }

    /**
     * Writes evicted records, in key order, as a run; {@code null} when there are none. The sort
     * and the writer hold execution memory as far as free memory and cached blocks allow: this runs
     * inside a {@code spill} (or ahead of one), to give memory back.
     */
    private Run writeRun(int records, Supplier<MemtableCursor> sort) throws IOException {
        if (records == 0) {
            return null;
        }
        try (MemoryReservation buffers = accounts.forEviction(records);
                RunWriter writer = directory.newWriter(records, RunWriter.Purpose.SPILL)) {
            MemtableCursor sorted = sort.get();
            while (sorted.next()) {
                writer.add(sorted.key(), sorted.kind(), sorted.value());
            }
            return writer.finish();
        } catch (IOException e) {
            throw new IOException(
                    "Store "
                            + state.storeName
                            + " could not evict "
                            + records
                            + " entries to "
                            + directory.path()
                            + ": "
                            + e.getMessage()
                            + " The entries stay in memory; free disk space or point the spill"
                            + " directory at a larger disk.",
                    e);
        }
    }

    long evictedEntries() {
        return evictedEntries;
    }

    long evictedBytes() {
        return evictedBytes;
    }

    long spills() {
        return spills;
    }
}
