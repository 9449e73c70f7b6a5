package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.store.compaction.CompactionFilter;
import dev.spillway.backend.store.compaction.CompactionTask;
import dev.spillway.backend.store.compaction.Compactor;
import dev.spillway.backend.store.compaction.TieredCompactionPolicy;
import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.entry.KeyHash;
import dev.spillway.backend.store.eviction.AdmissionFilter;
import dev.spillway.backend.store.memtable.EvictionBatch;
import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.MemtableCursor;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.BlockCache;
import dev.spillway.backend.store.run.EntryResolver;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;
import dev.spillway.backend.store.run.RunWriter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link StateStore}: an off-heap {@link Memtable} in front of immutable sorted runs on local
 * disk, inside the storage pool of the unified memory manager.
 *
 * <h2>Reads and writes</h2>
 *
 * <p>Writes go to the memtable only: a put or an append is one record appended to a page and one
 * index update. Deletes remove the memtable entry, or leave a tombstone when runs exist (a run
 * may hold an older value the tombstone must hide). A read looks in the memtable and then in the
 * runs newest first, folding list-append operands with the shared {@link EntryResolver} until a
 * complete value or a tombstone. A value found on disk is promoted back into memory when the
 * {@link AdmissionFilter} has seen the key read repeatedly, as a <em>clean</em> entry that a later
 * eviction drops without writing again.
 *
 * <h2>Eviction</h2>
 *
 * <p>When the memory manager needs storage memory back it calls the memtable consumer's {@code
 * spill}, which lands in {@link #evict}: the memtable's CLOCK hand chooses pages whose heat has
 * decayed, their live records are sorted by key (pointers only, on the heap: {@code spill} may not
 * take memory) and written as one new newest run, and only then are they removed from the
 * memtable, so an I/O failure leaves every entry in memory. Each spill may make the compaction
 * policy due; compaction then runs in the background ({@link BackgroundCompaction}).
 *
 * <h2>Views</h2>
 *
 * <p>{@link #scan} and {@link #snapshot} pin the memtable records that match (a pass over the
 * index: the whole index for a snapshot, one row chain for a MapState row) and the runs of the
 * moment. Records are immutable and pinned pages are not returned, so a view reads a frozen state
 * while the task thread keeps writing, from any thread, without locks. Sorting the pinned records
 * is left to the view's first reader. Eviction passes over pinned pages while unpinned ones can
 * cover a request; a write that still finds no memory while snapshot views are open waits, with
 * the lock released and bounded, for one to close ({@link #awaitSnapshotClose}).
 *
 * <h2>Locking</h2>
 *
 * <p>One {@link ReentrantLock} guards the memtable and the current run version. The task thread
 * takes it for every operation; uncontended that is one compare-and-set. The other takers are a
 * {@code spill} arriving from another thread (an execution request elsewhere in the slot), the
 * compaction thread while it plans and installs (O(runs)), and views when they release their pins.
 * A {@code spill} from the task thread itself (its own allocation ran short) re-enters the held
 * lock; a {@code spill} from another thread waits at most {@value #EVICTION_LOCK_WAIT_MILLIS} ms
 * and otherwise reports nothing freed, so the memory manager moves on to another consumer. That
 * bound is also what rules out a deadlock between two stores whose task threads each hold their
 * own lock while asking for memory the other one holds.
 */
public final class SpillableStore implements RunStore, StoreMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(SpillableStore.class);

    static final long EVICTION_LOCK_WAIT_MILLIS = 100;

    /** How long a snapshot view may hold the freeze before compactions and evictions revoke it. */
    static final long SNAPSHOT_FREEZE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** An eviction takes at least this fraction (1/n) of the memtable's pages. */
    static final int MIN_EVICTION_SHARE_DIVISOR = 8;

    /**
     * Writes wait for the compaction thread once there are this many times the policy's run cap:
     * each run costs every read that misses memory a bloom probe, so spills must not outrun merges
     * without bound (RocksDB's write stall).
     */
    static final int STALL_FACTOR = 3;

    private static final byte[] EMPTY = new byte[0];

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a snapshot view returns its pins. */
    private final Condition snapshotClosed = lock.newCondition();
    private final long snapshotWaitNanos;
    private final MemtableMemory memory;
    private final BlockCacheMemory cacheMemory;
    private final BlockCache blockCache;
    private final Memtable memtable;
    private final RunDirectory directory;
    private final AdmissionFilter admission;
    private final Compactor compactor;
    private final BackgroundCompaction compaction;
    private final BackgroundEviction evictionAhead;
    private final EntryResolver resolver = new EntryResolver();
    private final EvictionBatch evictionBatch = new EvictionBatch();
    private final int stallRunCount;

    /** The runs, newest first; guarded by {@link #lock}. Views retain the version they read. */
    private RunVersion runs = RunVersion.empty();

    /** Snapshot views not yet closed; guarded by {@link #lock}. */
    private int openSnapshots;

    /**
     * Counts the moments pinned pages may have come back (a view returned its pins, a frozen write
     * ended); a write waiting for memory retries after each. Guarded by {@link #lock}.
     */
    private long pinsReleased;

    /**
     * Whether a frozen part of the memtable is being written to a run off the lock that will be
     * installed among the store's runs: an eviction's ({@link #evictFrozen}) or a snapshot's
     * ({@link #installSnapshotRun}). One at a time; see {@link #evictFrozen} for why.
     */
    private boolean frozenInFlight;

    /**
     * The token of the snapshot view holding the freeze, or 0 when an eviction holds it (or none
     * does). A snapshot's freeze is only an optimization (its run joining the store), so it is
     * revoked rather than let it hold up compactions and evictions for long ({@link
     * #revokeStaleSnapshotFreeze}).
     */
    private long snapshotFreeze;

    private long snapshotFreezeSinceNanos;
    private long freezeTokens;

    /** Runs installed as the newest so far: a frozen eviction's run is placed by counting them. */
    private long newestRunsInstalled;


    private boolean closed;

    // Counters: written under the lock, read by metric reporters without it.
    private volatile long evictedEntries;
    private volatile long evictedBytes;
    private volatile long spills;
    private volatile long promotions;
    // Written by the task thread only (the one that writes).
    private volatile long writeStalls;
    private volatile long writeStallNanos;
    private volatile long runGets;
    private volatile int runCount;
    private volatile long runBytes;

    private SpillableStore(
            String name,
            MemtableMemory memory,
            BlockCacheMemory cacheMemory,
            BlockCache blockCache,
            RunDirectory directory,
            StoreSettings settings,
            CompactionFilter compactionFilter) {
        this.name = name;
        this.memory = memory;
        this.cacheMemory = cacheMemory;
        this.blockCache = blockCache;
        this.memtable = new Memtable(memory, memory.client().pageSize());
        this.snapshotWaitNanos =
                memory.client().manager().settings().executionWaitTimeout().toNanos();
        this.directory = directory;
        this.admission = new AdmissionFilter(1 << 16);
        int maxRuns = Math.max(MAX_RUNS, settings.compactionTrigger());
        this.stallRunCount = STALL_FACTOR * maxRuns;
        this.compactor =
                new Compactor(
                        directory,
                        new TieredCompactionPolicy(
                                settings.compactionTrigger(), COMPACTION_SIZE_RATIO, maxRuns),
                        compactionFilter);
        this.compaction = new BackgroundCompaction(new CompactionTarget(), name);
        this.evictionAhead = new BackgroundEviction(this::evictAhead, name);
        memory.evictThrough(this::evict);
        if (settings.evictsAhead()) {
            memory.onLowMemory(this::scheduleEvictionAhead);
        }
    }

    /** The runs team's tested defaults for the size-tiered policy, with our merge width. */
    private static final double COMPACTION_SIZE_RATIO = 1.2;

    private static final int MAX_RUNS = 12;

    /**
     * Opens an empty store whose memtable is a storage consumer of the client and whose runs live
     * in a new spill directory under {@link StoreSettings#spillParent()}.
     */
    public static SpillableStore open(MemoryClient client, StoreSettings settings, String name)
            throws IOException {
        return open(client, settings, name, CompactionFilter.KEEP_ALL);
    }

    /** As {@link #open(MemoryClient, StoreSettings, String)}, dropping entries during compaction. */
    public static SpillableStore open(
            MemoryClient client,
            StoreSettings settings,
            String name,
            CompactionFilter compactionFilter)
            throws IOException {
        BlockCacheMemory cacheMemory = new BlockCacheMemory(client, name + "-block-cache");
        BlockCache blockCache = new BlockCache(settings.blockCacheBytes(), cacheMemory);
        cacheMemory.serve(blockCache);
        RunDirectory directory;
        try {
            directory =
                    RunDirectory.create(
                            settings.spillParent(),
                            settings.runFormat().withRowPrefix(CompositeKey::rowLength),
                            blockCache,
                            settings.outputs());
        } catch (IOException | RuntimeException e) {
            cacheMemory.close();
            throw e;
        }
        MemtableMemory memory = new MemtableMemory(client, name + "-memtable", cacheMemory);
        cacheMemory.competeWith(memory);
        return new SpillableStore(
                name, memory, cacheMemory, blockCache, directory, settings, compactionFilter);
    }

    // ------------------------------------------------------------------------------------------
    //  Point operations (task thread)
    // ------------------------------------------------------------------------------------------

    @Override
    public byte[] get(byte[] key, int keyLength) throws IOException {
        return read(key, keyLength, KeyHash.hash32(key, keyLength), ValueCopy.INSTANCE);
    }

    /**
     * The reader runs under the lock: the value it reads in place lives in a page that an eviction
     * from another thread could otherwise free under it.
     */
    @Override
    public <T> T read(byte[] key, int keyLength, int keyHash, ValueReader<T> reader)
            throws IOException {
        lock.lock();
        try {
            checkOpen();
            int entry = memtable.find(key, keyLength, keyHash);
            byte[] bytes;
            if (entry != Memtable.NO_ENTRY) {
                memtable.touch(entry);
                EntryKind kind = memtable.kind(entry);
                if (kind == EntryKind.PUT) {
                    return reader.read(memtable.valueView(entry), memtable.valueLength(entry));
                }
                if (kind == EntryKind.DELETE) {
                    return null;
                }
                bytes = foldOperands(key, keyLength, memtable.value(entry));
            } else {
                bytes = readFromRuns(key, keyLength, keyHash);
            }
            return bytes == null ? null : reader.read(bytes);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(byte[] key, int keyLength, byte[] value, int valueOffset, int valueLength)
            throws IOException {
        put(key, keyLength, KeyHash.hash32(key, keyLength), value, valueOffset, valueLength);
    }

    @Override
    public void put(
            byte[] key,
            int keyLength,
            int keyHash,
            byte[] value,
            int valueOffset,
            int valueLength)
            throws IOException {
        stallWhileCompactionLags();
        lock.lock();
        try {
            checkOpen();
            // The retry loop of write(), spelled out: a lambda capturing the arguments was
            // allocated on every put (JFR allocation samples), escape analysis did not remove it.
            for (long deadline = 0; ; ) {
                try {
                    memtable.put(
                            EntryKind.PUT,
                            key,
                            keyLength,
                            keyHash,
                            value,
                            valueOffset,
                            valueLength,
                            false);
                    return;
                } catch (SpillwayMemoryException e) {
                    deadline = awaitSnapshotClose(e, deadline);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void append(
            byte[] key, int keyLength, byte[] element, int elementOffset, int elementLength)
            throws IOException {
        stallWhileCompactionLags();
        lock.lock();
        try {
            checkOpen();
            for (long deadline = 0; ; ) { // as in put: no lambda per append
                try {
                    memtable.append(
                            key,
                            keyLength,
                            LIST_DELIMITER,
                            element,
                            elementOffset,
                            elementLength,
                            mayHaveOlderEntries() ? EntryKind.APPEND : EntryKind.PUT);
                    return;
                } catch (SpillwayMemoryException e) {
                    deadline = awaitSnapshotClose(e, deadline);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void delete(byte[] key, int keyLength) throws IOException {
        lock.lock();
        try {
            checkOpen();
            if (!mayHaveOlderEntries()) {
                int entry = memtable.find(key, keyLength);
                if (entry != Memtable.NO_ENTRY) {
                    memtable.remove(entry);
                }
            } else {
                write(() -> memtable.put(EntryKind.DELETE, key, keyLength, EMPTY, 0, 0, false));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lets the compaction thread catch up when spills produced too many runs; no lock held. */
    private void stallWhileCompactionLags() throws IOException {
        if (runCount >= stallRunCount && compaction.busy() && !lock.isHeldByCurrentThread()) {
            long start = System.nanoTime();
            writeStalls++;
            try {
                compaction.awaitQueued();
            } finally {
                writeStallNanos += System.nanoTime() - start;
            }
        }
    }

    /** A memtable APPEND entry: resolve it over the runs and keep the complete value in memory. */
    private byte[] foldOperands(byte[] key, int keyLength, byte[] operands) throws IOException {
        resolver.reset();
        resolver.add(EntryKind.APPEND, operands);
        runs.resolve(key, keyLength, resolver);
        byte[] value = resolver.value();
        try {
            memtable.put(EntryKind.PUT, key, keyLength, value, 0, value.length, false);
        } catch (SpillwayMemoryException e) {
            // The APPEND entry still holds the operands; the next read folds them again.
        }
        return value;
    }

    private byte[] readFromRuns(byte[] key, int keyLength, int hash) throws IOException {
        if (runs.size() == 0) {
            return null;
        }
        runGets++;
        admission.recordAccess(hash);
        resolver.reset();
        runs.resolve(key, keyLength, resolver);
        byte[] value = resolver.value();
        if (value != null && admission.admit(hash)) {
            try {
                memtable.put(EntryKind.PUT, key, keyLength, value, 0, value.length, true);
                promotions++;
            } catch (SpillwayMemoryException e) {
                // A promotion is only a cache fill: without memory the value stays on disk.
            }
        }
        return value;
    }

    // ------------------------------------------------------------------------------------------
    //  Scans and snapshots
    // ------------------------------------------------------------------------------------------

    @Override
    public StoreCursor scan(byte[] prefix, int prefixLength) throws IOException {
        return scan(prefix, prefixLength, null);
    }

    @Override
    public StoreCursor scan(byte[] prefix, int prefixLength, byte[] from) throws IOException {
        byte[] exactPrefix = Arrays.copyOf(prefix, prefixLength);
        lock.lock();
        try {
            checkOpen();
            PinnedRecords pinned = memtable.pin(exactPrefix, prefixLength);
            try {
                EntryCursor merged = SeekingMerge.merge(pinned, runs, exactPrefix, from);
                return new StoreScanCursor(merged, () -> unpin(pinned), this);
            } catch (IOException | RuntimeException e) {
                memtable.unpin(pinned);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public StoreSnapshot snapshot() throws IOException {
        lock.lock();
        try {
            checkOpen();
            PinnedRecords pinned = memtable.pinDirty();
            openSnapshots++;
            long installAbove = -1;
            long token = 0;
            if (!frozenInFlight) {
                frozenInFlight = true;
                snapshotFreeze = token = ++freezeTokens;
                snapshotFreezeSinceNanos = System.nanoTime();
                installAbove = newestRunsInstalled;
            }
            return new StoreSnapshotView(pinned, runs.retain(), installAbove, token, this);
        } finally {
            lock.unlock();
        }
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
                            + name
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

    /** Returns a cursor's pins; any thread. After close the pages are already gone. */
    void unpin(PinnedRecords pinned) {
        lock.lock();
        try {
            if (!closed) {
                memtable.unpin(pinned);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Installs a snapshot's run among the store's runs, so that the entries it holds become clean:
     * a later eviction drops them without writing, and the next snapshot writes only what changed
     * since (which is what makes consecutive incremental checkpoints small). The run is the
     * memtable's dirty entries at the snapshot's moment, so it goes below the runs evictions
     * installed since ({@code installAbove} counts them, as for {@link #evictFrozen}); the
     * snapshot held the freeze meanwhile, so no compaction reordered them.
     *
     * <p>Not installed when it holds list-append operands: an append since the snapshot rewrote
     * such an entry as "operands + element", which would fold the run's operands a second time.
     * Such a run stays the view's own.
     *
     * @return whether the run is now one of the store's
     */
    boolean installSnapshotRun(Run run, PinnedRecords pinned, long installAbove, long token) {
        lock.lock();
        try {
            if (!frozenInFlight || snapshotFreeze != token) {
                return false; // revoked: a compaction or an eviction could not wait for it
            }
            endFreeze();
            if (closed || memtable.holdsOperands(pinned)) {
                return false;
            }
            installVersion(runs.withRunAt((int) (newestRunsInstalled - installAbove), run));
            memtable.markClean(pinned);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot that held the freeze ends without installing a run. */
    void releaseSnapshotFreeze(long token) {
        lock.lock();
        try {
            if (frozenInFlight && snapshotFreeze == token) {
                endFreeze();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the freeze back from a snapshot view that has held it longer than {@link
     * #SNAPSHOT_FREEZE_NANOS} (or at once when {@code now}): its run will stay its own. A view
     * that is persisted promptly (a checkpoint's asynchronous part starts with it) keeps it; a
     * view left unread must not stop compactions and evictions. Called under the lock.
     */
    private void revokeStaleSnapshotFreeze(boolean now) {
        if (frozenInFlight
                && snapshotFreeze != 0
                && (now || System.nanoTime() - snapshotFreezeSinceNanos > SNAPSHOT_FREEZE_NANOS)) {
            frozenInFlight = false;
            snapshotFreeze = 0;
            pinsReleased++;
            snapshotClosed.signalAll();
        }
    }

    private void endFreeze() {
        frozenInFlight = false;
        snapshotFreeze = 0;
        pinsReleased++;
        snapshotClosed.signalAll();
        if (!closed) {
            compaction.schedule();
        }
    }

    /** Returns a snapshot view's pins and wakes writers waiting for its memory; any thread. */
    void closeSnapshot(PinnedRecords pinned) {
        lock.lock();
        try {
            unpin(pinned);
            openSnapshots--;
            pinsReleased++;
        snapshotClosed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** One memtable write; it changes nothing when it throws. */
    private interface MemtableWrite {
        void run();
    }

    /** Runs a write, retrying it after snapshot views close if it finds no memory. */
    private void write(MemtableWrite write) throws IOException {
        long deadline = 0;
        while (true) {
            try {
                write.run();
                return;
            } catch (SpillwayMemoryException e) {
                deadline = awaitSnapshotClose(e, deadline);
            }
        }
    }

    /**
     * A write found no memory. If snapshot views are open, or a frozen eviction is being written,
     * the memory may be pinned by them: eviction writes pinned records to runs but can return their
     * pages only when the pins go. Waits, with the lock released, until some pins go (a view
     * persists or closes, a frozen write ends; then the caller retries the write) or until the
     * deadline, then gives up with the original error. This is back-pressure for the time a
     * checkpoint's asynchronous part holds the memtable, as a write stall in RocksDB; the wait is
     * bounded by {@code spillway.memory.execution-wait-timeout} because a view closed only by the
     * waiting thread itself (a snapshot taken but not yet run) would never let it go.
     *
     * <p>No deadlock: the lock is released while waiting, views close without any memory, and a
     * thread waiting here is not inside a memory request, so other backends' requests do not wait
     * for it.
     *
     * @param deadline 0 on the first wait of a write, then the value returned by the last call
     * @return the deadline for the next wait of the same write
     */
    private long awaitSnapshotClose(SpillwayMemoryException noMemory, long deadline)
            throws IOException {
        if (openSnapshots == 0 && !frozenInFlight) {
            throw noMemory;
        }
        long now = System.nanoTime();
        long end = deadline == 0 ? now + snapshotWaitNanos : deadline;
        long seen = pinsReleased;
        writeStalls++;
        try {
            for (long left = end - now; pinsReleased == seen && !closed; ) {
                if (left <= 0) {
                    throw noMemory;
                }
                left = snapshotClosed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException(
                            "Interrupted while store " + name + " waited for snapshot memory");
            interrupted.addSuppressed(noMemory);
            throw interrupted;
        } finally {
            writeStallNanos += System.nanoTime() - now;
        }
        checkOpen();
        return end;
    }

    // ------------------------------------------------------------------------------------------
    //  Eviction (any thread, through the memtable's memory consumer)
    // ------------------------------------------------------------------------------------------

    /**
     * Writes cold memtable entries covering at least {@code bytes} to a new run and frees their
     * pages. Returns the bytes of pages returned to the pool (less than asked when snapshot views
     * pin the chosen pages, or 0 when another thread holds the store too long).
     *
     * <p>Two ways, by who asks. The task thread's own allocation ran short (it holds the lock,
     * inside an operation): it cannot go on until memory is free anyway, so the eviction runs
     * under the lock ({@link #evictUnderLock}). Any other thread (another backend's or an execution
     * consumer's request): the victims are <em>frozen</em> under the lock, the run is written
     * without it, and it is installed under it again ({@link #evictFrozen}), so the task thread
     * keeps reading and writing while the disk works.
     */
    long evict(long bytes) throws IOException {
        if (!lock.isHeldByCurrentThread()) {
            return evictFrozen(bytes);
        }
        if (closed) {
            return 0;
        }
        try {
            long before = memtable.pageBytes();
            evictionBatch.clear();
            chooseVictims(bytes, evictionBatch);
            if (evictionBatch.size() + evictionBatch.cleanSize() == 0) {
                return 0;
            }
            Run run = writeRun(evictionBatch.size(), evictionBatch.sortedCursor(memtable));
            if (run != null) {
                installVersion(runs.withNewest(run));
                run.release();
                newestRunsInstalled++;
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
     * (a merge of a newer run with older ones would leave it no place). And because the frozen
     * entries are still in the index but are about to reach a run, a delete or an append meanwhile
     * must not assume "no runs, nothing older on disk" ({@link #mayHaveOlderEntries}). List-append
     * operands stay in memory ({@link EvictionBatch#forFrozenWrite}).
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
            revokeStaleSnapshotFreeze(false);
            if (closed || frozenInFlight) {
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
            frozenInFlight = true;
            installedBefore = newestRunsInstalled;
        } finally {
            lock.unlock();
        }
        Run run = null;
        try {
            run = writeRun(frozen.size(), frozen.cursor(EMPTY, 0));
        } finally {
            if (run == null && batch.size() > 0) {
                // The write failed: everything stays in memory.
                endFrozenEviction(batch);
            }
        }
        // The task thread holds the lock only for single operations (it waits for memory or for
        // snapshot views with the lock released), so this wait is short.
        lock.lock();
        try {
            endFreeze();
            if (closed) {
                if (run != null) {
                    run.release();
                }
                return 0;
            }
            long before = memtable.pageBytes();
            if (run != null) {
                installVersion(runs.withRunAt((int) (newestRunsInstalled - installedBefore), run));
                run.release();
                spills++;
            }
            memtable.removeAll(batch);
            countEvicted(batch);
            memtable.thaw(batch);
            return before - memtable.pageBytes();
        } finally {
            lock.unlock();
        }
    }

    /** Ends a frozen eviction whose run was not written; the entries stay. */
    private void endFrozenEviction(EvictionBatch batch) {
        lock.lock();
        try {
            endFreeze();
            if (!closed) {
                memtable.thaw(batch);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The memtable's new page left memory low: start freeing some in the background. */
    private void scheduleEvictionAhead() {
        if (!closed && !frozenInFlight) {
            evictionAhead.schedule();
        }
    }

    /** One eviction ahead of need, on the background thread: a share of the memtable, frozen. */
    private long evictAhead() throws IOException {
        return evictFrozen(memtable.pageBytes() / MIN_EVICTION_SHARE_DIVISOR);
    }

    /** A delete or append may skip looking at older state only if no run can hold any. */
    private boolean mayHaveOlderEntries() {
        return runs.size() > 0 || frozenInFlight;
    }

    private void countEvicted(EvictionBatch batch) {
        evictedEntries += batch.size() + batch.cleanSize();
        evictedBytes += batch.recordBytes();
    }

    private boolean tryLockForEviction() {
        try {
            return lock.tryLock(EVICTION_LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
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
     * <p>Pages pinned by an open snapshot view or scan cursor are taken only when the unpinned
     * ones cannot cover the request: their records still go to the run and their entries leave the
     * index (which is what an index growth needs), but their memory returns only when the views
     * close. Preferring unpinned pages is what lets a store keep writing during a checkpoint: the
     * pages written since the snapshot are free to go.
     */
    private void chooseVictims(long requested, EvictionBatch batch) {
        long target =
                Math.max(1, Math.max(requested, memtable.pageBytes() / MIN_EVICTION_SHARE_DIVISOR));
        long chosen = takeVictims(false, target, 0, batch);
        takeVictims(true, target, chosen, batch);
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

    /** Writes evicted records, in key order, as a run; {@code null} when there are none. */
    private Run writeRun(int records, MemtableCursor sorted) throws IOException {
        if (records == 0) {
            return null;
        }
        try (RunWriter writer = directory.newWriter(records, RunWriter.Purpose.SPILL)) {
            while (sorted.next()) {
                writer.add(sorted.key(), sorted.kind(), sorted.value());
            }
            return writer.finish();
        } catch (IOException e) {
            throw new IOException(
                    "Store "
                            + name
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

    // ------------------------------------------------------------------------------------------
    //  Adopting runs (restore)
    // ------------------------------------------------------------------------------------------

    @Override
    public Optional<RunStore> runStore() {
        return Optional.of(this);
    }

    @Override
    public Path stagingFile() {
        return directory.stagingFile();
    }

    /**
     * Opens (and where needed clips) the files without the lock, then installs them as the run
     * version; the memtable stays empty, so the adopted runs are the store's whole contents.
     */
    @Override
    public List<String> adopt(List<AdoptedRun> newestFirst) throws IOException {
        checkEmpty();
        List<Run> adopted = new ArrayList<>(newestFirst.size());
        try {
            Set<String> names = new HashSet<>();
            for (AdoptedRun spec : newestFirst) {
                Run run = adoptOne(spec);
                // A second run of the same name would be confused with the first by checkpoints.
                if (run != null && !names.add(run.name())) {
                    run = RunClipping.fit(run, spec, directory, true);
                    if (run != null) {
                        names.add(run.name());
                    }
                }
                if (run != null) {
                    adopted.add(run);
                }
            }
            lock.lock();
            try {
                checkEmpty();
                installVersion(RunVersion.of(adopted));
                compaction.schedule();
            } finally {
                lock.unlock();
            }
            List<String> result = new ArrayList<>(adopted.size());
            for (Run run : adopted) {
                result.add(run.name());
            }
            return result;
        } finally {
            for (Run run : adopted) {
                run.release();
            }
        }
    }

    private Run adoptOne(AdoptedRun spec) throws IOException {
        Run run;
        try {
            run = directory.adopt(spec.file(), spec.name());
        } catch (IOException e) {
            throw new IOException(
                    "Store " + name + " cannot adopt run " + spec.name() + ": " + e.getMessage(),
                    e);
        }
        return RunClipping.fit(run, spec, directory, false);
    }

    private void checkEmpty() {
        lock.lock();
        try {
            checkOpen();
            if (runs.size() != 0 || memtable.entryCount() != 0) {
                throw new IllegalStateException(
                        "Store " + name + " already holds state; only an empty store adopts runs");
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Compaction
    // ------------------------------------------------------------------------------------------

    /** Merges all runs into one and waits for it (tests, tools, before a full scan). */
    public void compactFully() throws IOException {
        compaction.compactFullyAndWait();
    }

    private final class CompactionTarget implements BackgroundCompaction.Target {

        @Override
        public CompactionTask plan(boolean full) {
            lock.lock();
            try {
                compaction.planned();
                revokeStaleSnapshotFreeze(full);
                if (full) {
                    // A full compaction is asked for explicitly (and waited for): it waits for a
                    // frozen eviction to end rather than be skipped.
                    awaitNoFrozenWrite();
                }
                if (closed || frozenInFlight) {
                    // A frozen write's run is placed by counting the newest runs: none may be
                    // merged away meanwhile. Its end schedules compaction again.
                    return null;
                }
                return full ? compactor.planFull(runs) : compactor.plan(runs);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void install(CompactionTask task) {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                installVersion(task.applyTo(runs));
                compaction.schedule();
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Life cycle
    // ------------------------------------------------------------------------------------------

    /**
     * Closes the store: waits for a running compaction, frees every page, deletes the spill
     * directory.
     *
     * <p><b>A lease for snapshot readers</b>, as RocksDB's {@code ResourceGuard}: a snapshot view
     * that still pins memtable records (an asynchronous checkpoint part that has not persisted or
     * released its view yet, say, when a task is cancelled mid-checkpoint) may be reading those
     * pages on another thread. Freeing them would hand them to the slot's other backends while
     * they are read. So close first waits, with the lock released, until every such view has given
     * its pins back (a cancelled checkpoint releases its view when its streams are closed). The
     * wait is bounded by {@code spillway.memory.execution-wait-timeout} (a view taken and never
     * run or released would otherwise block disposal forever); past it, close logs an error naming
     * the views and frees the pages anyway. Persisted views hold no pages; their runs stop being
     * readable when the directory goes, which fails their reads instead of feeding them garbage.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            pinsReleased++;
        snapshotClosed.signalAll();
            awaitViewsReleased();
        } finally {
            lock.unlock();
        }
        evictionAhead.shutdown();
        compaction.shutdown();
        lock.lock();
        try {
            memtable.clear();
            memory.releaseIndex();
            installVersion(RunVersion.empty());
        } finally {
            lock.unlock();
        }
        try {
            directory.close();
        } finally {
            blockCache.shrink(Long.MAX_VALUE);
            memory.close();
            cacheMemory.close();
        }
    }

    /**
     * Waits, with the lock released, until no snapshot view pins memtable records, at most the
     * snapshot wait timeout. Called under the lock, after {@code closed} is set (so no new view
     * can be taken).
     */
    private void awaitViewsReleased() {
        long left = snapshotWaitNanos;
        try {
            while (openSnapshots > 0 || frozenInFlight) {
                if (left <= 0) {
                    LOG.error(
                            "Store {} closes while {} snapshot view(s) still pin memory after"
                                    + " waiting {} ms for them; their pages go back to the pool"
                                    + " now. A snapshot was taken and neither run nor released.",
                            name,
                            openSnapshots,
                            TimeUnit.NANOSECONDS.toMillis(snapshotWaitNanos));
                    return;
                }
                left = snapshotClosed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits, lock released, for a frozen write to end; bounded by the snapshot wait timeout. */
    private void awaitNoFrozenWrite() {
        long left = snapshotWaitNanos;
        try {
            while (frozenInFlight && !closed && left > 0) {
                left = snapshotClosed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Makes a new version current; called under the lock. */
    private void installVersion(RunVersion next) {
        runs.release();
        runs = next;
        runCount = next.size();
        runBytes = next.sizeBytes();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Store " + name + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Metrics (any thread; gauges may lag the task thread slightly)
    // ------------------------------------------------------------------------------------------

    @Override
    public long entriesInMemory() {
        return memtable.entryCount();
    }

    @Override
    public long bytesInMemory() {
        return memory.getUsed();
    }

    @Override
    public long runCount() {
        return runCount;
    }

    @Override
    public long bytesOnDisk() {
        return runBytes;
    }

    @Override
    public long evictedEntries() {
        return evictedEntries;
    }

    @Override
    public long evictedBytes() {
        return evictedBytes;
    }

    @Override
    public long spills() {
        return spills;
    }

    @Override
    public long compactions() {
        return compaction.completed();
    }

    @Override
    public long compactionFailures() {
        return compaction.failed();
    }

    @Override
    public long bytesWrittenToDisk() {
        return directory.statistics().bytesWritten();
    }

    @Override
    public long promotions() {
        return promotions;
    }

    @Override
    public long writeStalls() {
        return writeStalls;
    }

    @Override
    public long writeStallMillis() {
        return TimeUnit.NANOSECONDS.toMillis(writeStallNanos);
    }

    @Override
    public long blockCacheHits() {
        return blockCache.hits();
    }

    @Override
    public long blockCacheMisses() {
        return blockCache.misses();
    }

    @Override
    public long blockCacheBytes() {
        return cacheMemory.getUsed();
    }

    /** Cached blocks plus memtable pages: what the cache's protected share is a part of. */
    long cacheAndPageBytes() {
        return memory.pageBytes() + cacheMemory.getUsed();
    }

    BlockCacheMemory cacheMemory() {
        return cacheMemory;
    }

    @Override
    public long runGets() {
        return runGets;
    }

    @Override
    public long runGetBlocks() {
        return blockCache.pointReadBlocks();
    }

    @Override
    public long runGetDiskBytes() {
        return blockCache.pointReadBytes();
    }

    @Override
    public String toString() {
        return "SpillableStore{" + name + '}';
    }
}
