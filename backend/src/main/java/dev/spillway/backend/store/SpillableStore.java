package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.store.compaction.CompactionFilter;
import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.entry.KeyHash;
import dev.spillway.backend.store.eviction.AdmissionFilter;
import dev.spillway.backend.store.memtable.Memtable;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.BlockCache;
import dev.spillway.backend.store.run.EntryResolver;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
 * spill}, which lands in {@link MemtableEviction#evict}: the memtable's CLOCK hand chooses pages
 * whose heat has decayed, their live records are sorted by key (pointers only, on the heap, charged
 * to execution memory as far as free memory and cached blocks allow: {@link StoreMemoryAccounts})
 * and written as one new newest run, and only then are they removed from the memtable, so an I/O
 * failure leaves every entry in memory. Each spill may make the
 * compaction policy due; compaction then runs in the background ({@link StoreCompaction}, {@link
 * BackgroundCompaction}).
 *
 * <h2>Views</h2>
 *
 * <p>{@link #scan} and {@link #snapshot} pin the memtable records that match (a pass over the
 * index: the whole index for a snapshot, one row chain for a MapState row) and the runs of the
 * moment. Records are immutable and pinned pages are not returned, so a view reads a frozen state
 * while the task thread keeps writing, from any thread, without locks. Sorting the pinned records
 * is left to the view's first reader. Eviction passes over pinned pages while unpinned ones can
 * cover a request; a write that still finds no memory while snapshot views are open waits, with
 * the lock released and bounded, for one to close ({@link WriteStalls#awaitPinnedMemory}).
 * Snapshot views are taken and given back through {@link StoreSnapshots}.
 *
 * <h2>Locking</h2>
 *
 * <p>One {@link ReentrantLock} guards the memtable and the current run version ({@link
 * GuardedState} lists what else). The task thread takes it for every operation; uncontended that
 * is one compare-and-set. The other takers are a {@code spill} arriving from another thread (an
 * execution request elsewhere in the slot), the compaction thread while it plans and installs
 * (O(runs)), and views when they release their pins. A {@code spill} from another thread waits for
 * the lock only briefly ({@link MemtableEviction}), which is what rules out a deadlock between two
 * stores whose task threads each hold their own lock while asking for memory.
 */
public final class SpillableStore implements RunStore, StoreMetrics {

    private static final byte[] EMPTY = new byte[0];

    private final String name;
    private final MemtableMemory memory;
    private final BlockCacheMemory cacheMemory;
    private final BlockCache blockCache;
    private final RunDirectory directory;
    private final StoreMemoryAccounts accounts;

    private final GuardedState state;
    // The guarded state the read and write paths use, by their short names.
    private final ReentrantLock lock;
    private final Memtable memtable;
    private final CurrentRuns runs;

    private final FreezeSlot freeze;
    private final StoreCompaction compaction;
    private final MemtableEviction eviction;
    private final StoreSnapshots snapshots;
    private final RunAdoption adoption;
    private final WriteStalls stalls;

    private final AdmissionFilter admission;
    private final EntryResolver resolver = new EntryResolver();

    // The read path's counters: written by the task thread under the lock, read by metric
    // reporters without it.
    private volatile long promotions;
    private volatile long runGets;

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
        this.directory = directory;
        this.accounts = new StoreMemoryAccounts(memory.client(), directory, name);
        memory.rankAbove(accounts);
        this.state =
                new GuardedState(
                        name,
                        new Memtable(memory, memory.client().pageSize()),
                        memory.client().manager().settings().executionWaitTimeout().toNanos(),
                        accounts::chargeRunIndexes);
        this.lock = state.lock;
        this.memtable = state.memtable;
        this.runs = state.runs;
        this.freeze = new FreezeSlot(state, this::scheduleCompaction);
        this.compaction =
                new StoreCompaction(
                        state, freeze, directory, accounts, settings, compactionFilter);
        this.eviction = new MemtableEviction(state, freeze, compaction, directory, accounts);
        this.snapshots = new StoreSnapshots(state, freeze, directory, accounts);
        this.adoption = new RunAdoption(state, compaction, directory);
        this.stalls = new WriteStalls(state, freeze, compaction);
        this.admission = new AdmissionFilter(1 << 16);
        memory.evictThrough(eviction::evict);
        if (settings.evictsAhead()) {
            memory.onLowMemory(eviction::scheduleEvictionAhead);
        }
    }

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
        stalls.awaitCompactionIfLagging();
        lock.lock();
        try {
            checkOpen();
            write(EntryKind.PUT, key, keyLength, keyHash, value, valueOffset, valueLength);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void append(
            byte[] key, int keyLength, byte[] element, int elementOffset, int elementLength)
            throws IOException {
        stalls.awaitCompactionIfLagging();
        lock.lock();
        try {
            checkOpen();
            // The memtable hashes the key of an append itself.
            write(EntryKind.APPEND, key, keyLength, 0, element, elementOffset, elementLength);
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
                write(EntryKind.DELETE, key, keyLength, KeyHash.hash32(key, keyLength), EMPTY, 0, 0);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes one entry to the memtable (a put, a tombstone, or a list element appended), retrying
     * after pinned memory comes back if it finds none ({@link WriteStalls#awaitPinnedMemory}); a
     * memtable write changes nothing when it throws. The kind selects the write rather than a
     * lambda capturing the arguments: that was allocated on every put (JFR allocation samples),
     * and escape analysis did not remove it. Called under the lock.
     *
     * @param keyHash the key's hash for a put or a delete; an append hashes the key itself
     */
    private void write(
            EntryKind kind,
            byte[] key,
            int keyLength,
            int keyHash,
            byte[] value,
            int valueOffset,
            int valueLength)
            throws IOException {
        for (long deadline = 0; ; ) {
            try {
                if (kind == EntryKind.APPEND) {
                    // Decided at every try: a frozen eviction may have begun while this one waited.
                    memtable.append(
                            key,
                            keyLength,
                            LIST_DELIMITER,
                            value,
                            valueOffset,
                            valueLength,
                            mayHaveOlderEntries() ? EntryKind.APPEND : EntryKind.PUT);
                } else {
                    memtable.put(
                            kind, key, keyLength, keyHash, value, valueOffset, valueLength, false);
                }
                return;
            } catch (SpillwayMemoryException e) {
                if (!state.detachScans()) {
                    deadline = stalls.awaitPinnedMemory(e, deadline);
                } // else retry at once: the scans' pages may go now
            }
        }
    }

    /** A delete or append may skip looking at older state only if no run can hold any. */
    private boolean mayHaveOlderEntries() {
        return runs.size() > 0 || freeze.inFlight();
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
                EntryCursor merged = SeekingMerge.merge(pinned, runs.version(), exactPrefix, from);
                state.scanOpened(pinned);
                return new StoreScanCursor(merged, () -> state.scanClosed(pinned), this);
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
        return snapshots.take();
    }

    // ------------------------------------------------------------------------------------------
    //  Eviction, compaction and adoption (the work is their classes')
    // ------------------------------------------------------------------------------------------

    /** See {@link MemtableEviction#evict}; what the memory manager's {@code spill} calls. */
    long evict(long bytes) throws IOException {
        return eviction.evict(bytes);
    }

    /** Merges all runs into one and waits for it (tests, tools, before a full scan). */
    public void compactFully() throws IOException {
        compaction.compactFullyAndWait();
    }

    /** A frozen write ended: compaction, held off meanwhile, may be due. */
    private void scheduleCompaction() {
        compaction.schedule();
    }

    @Override
    public Optional<RunStore> runStore() {
        return Optional.of(this);
    }

    @Override
    public Path stagingFile() {
        return directory.stagingFile();
    }

    @Override
    public List<String> adopt(List<AdoptedRun> newestFirst) throws IOException {
        return adoption.adopt(newestFirst);
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
            if (state.isClosed()) {
                return;
            }
            state.markClosed();
            snapshots.awaitViewsReleased();
        } finally {
            lock.unlock();
        }
        eviction.shutdown();
        compaction.shutdown();
        lock.lock();
        try {
            memtable.clear();
            memory.releaseIndex();
            runs.install(RunVersion.empty());
        } finally {
            lock.unlock();
        }
        try {
            directory.close();
        } finally {
            blockCache.shrink(Long.MAX_VALUE);
            accounts.close();
            memory.close();
            cacheMemory.close();
        }
    }

    private void checkOpen() {
        state.checkOpen();
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
        return runs.count();
    }

    @Override
    public long bytesOnDisk() {
        return runs.bytes();
    }

    @Override
    public long evictedEntries() {
        return eviction.evictedEntries();
    }

    @Override
    public long evictedBytes() {
        return eviction.evictedBytes();
    }

    @Override
    public long spills() {
        return eviction.spills();
    }

    @Override
    public long compactions() {
        return compaction.completed();
    }

    @Override
    public long compactionPending() {
        return compaction.pending() ? 1 : 0;
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
        return stalls.count();
    }

    @Override
    public long writeStallMillis() {
        return stalls.millis();
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

    /** Storage bytes charged for the current runs' bloom filters and block indexes. */
    long runIndexBytes() {
        return accounts.runIndexBytes();
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
