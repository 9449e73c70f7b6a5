package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PagePointer;
import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.entry.KeyHash;

import org.apache.flink.core.memory.DataInputView;

import java.util.Arrays;

/**
 * The in-memory part of the store: at most one entry per key, serialized in off-heap pages, found
 * through on-heap indexes made only of primitive arrays.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 *   key table   ProbingHashTable   hash(key)  → entry        (point get/put/delete)
 *   row table   ProbingHashTable   hash(row)  → first entry of the row's chain (MapState)
 *   entries     long[] address     entry → record pointer into RecordPages
 *               byte[] flags       CLEAN: the value equals what the runs resolve to
 *               int[]  rowNext, rowPrev   (allocated when the first key below its row comes)
 *   records     RecordPages        [entry][key len][value len][kind][key][value] in off-heap pages
 * </pre>
 *
 * <p>An entry costs a few primitives on the heap, no objects, so the garbage collector never traces
 * state: 13 bytes per entry slot (address, flags, free list), 8 more once any entry is chained in
 * a row (the row arrays are allocated for the first such entry, so a store without MapState never
 * pays for them), and 8 bytes per slot of each hash table, which is at most half full. Hashes and
 * row lengths are not kept per entry: the tables hold the hashes, and removing an entry (the only
 * operation that needs them) parses and hashes its key again from the record. A row is a {@link CompositeKey#rowLength (key group,
 * state, key, namespace)} prefix; entries of one row are chained through {@code rowNext/rowPrev},
 * so iterating one MapState row costs the row's size, not the memtable's. Keys that are not
 * composite keys (tests, foreign callers) simply belong to no row. An entry whose key is its row
 * (every state but MapState) is not chained: a row scan finds it through the key table.
 *
 * <h2>Kinds</h2>
 *
 * <p>An entry is a {@link EntryKind#PUT} (complete value), a {@link EntryKind#DELETE} (tombstone
 * hiding older runs) or an {@link EntryKind#APPEND} (list elements to add to whatever older runs
 * hold). The store decides which; the memtable only keeps the newest entry of each key.
 *
 * <p>Not thread-safe: the owning store serializes all calls, including evictions that arrive from
 * other threads.
 */
public final class Memtable {

    public static final int NO_ENTRY = ProbingHashTable.NOT_FOUND;

    private static final byte CLEAN = 1;

    /** Heap bytes per entry slot: address (8), flags (1), free list (4). */
    private static final long ENTRY_BYTES = 13;

    /** Heap bytes per entry slot of the row arrays: two ints. */
    private static final long ROW_ENTRY_BYTES = 8;

    private final PageAllocator allocator;
    private final RecordPages pages;
    private final ProbingHashTable keys = new ProbingHashTable();
    private final ProbingHashTable rows = new ProbingHashTable();

    private final ProbingHashTable.EntryMatcher keyMatcher = this::keyMatches;
    private final ProbingHashTable.EntryMatcher rowMatcher = this::rowMatches;
    private final PageInput valueInput = new PageInput();

    private long[] address = new long[16];
    private byte[] flags = new byte[16];

    /** Row chains; {@code null} until the first entry below its row (a MapState user key). */
    private int[] rowNext;
    private int[] rowPrev;

    /** Scratch for hashing a stored key again when its entry is removed. */
    private byte[] keyScratch = new byte[64];

    private int[] freeEntries = new int[16];
    private int freeEntryCount;
    private int entryCapacityUsed;

    public Memtable(PageAllocator allocator, int pageSize) {
        this.allocator = allocator;
        this.pages = new RecordPages(allocator, pageSize);
        Arrays.fill(address, -1L);
    }

    // ------------------------------------------------------------------------------------------
    //  Point access
    // ------------------------------------------------------------------------------------------

    /** The entry of the key, or {@link #NO_ENTRY}. */
    public int find(byte[] key, int keyLength) {
        return find(key, keyLength, KeyHash.hash32(key, keyLength));
    }

    /** As {@link #find(byte[], int)} with the key's {@link KeyHash#hash32}, computed by the caller. */
    public int find(byte[] key, int keyLength, int hash) {
        return keys.find(hash, key, keyLength, keyMatcher);
    }

    public EntryKind kind(int entry) {
        long a = address[entry];
        return Records.kind(pages.page(a), PagePointer.offset(a));
    }

    public byte[] value(int entry) {
        long a = address[entry];
        return Records.copyValue(pages.page(a), PagePointer.offset(a));
    }

    /** Bytes of the entry's value. */
    public int valueLength(int entry) {
        long a = address[entry];
        return Records.valueLength(pages.page(a), PagePointer.offset(a));
    }

    /**
     * The entry's value as a view of page memory, for deserializing it without a heap copy. One
     * view is reused: it is valid until the next call and only while no page is freed, so the
     * caller reads it before anything else touches the memtable.
     */
    public DataInputView valueView(int entry) {
        long a = address[entry];
        Page page = pages.page(a);
        int offset = PagePointer.offset(a);
        return valueInput.reset(
                page, Records.valueStart(page, offset), Records.valueLength(page, offset));
    }

    /** Whether the entry only caches what the runs already hold, so eviction need not write it. */
    public boolean isClean(int entry) {
        return flags[entry] == CLEAN;
    }

    /** Counts a point access for the eviction policy. */
    public void touch(int entry) {
        pages.touch(address[entry]);
    }

    /**
     * Stores the newest entry of the key, replacing any older one. May re-enter the store through
     * eviction while it takes memory, so it looks the key up only afterwards.
     */
    public void put(
            EntryKind kind,
            byte[] key,
            int keyLength,
            byte[] value,
            int valueOffset,
            int valueLength,
            boolean clean) {
        int hash = KeyHash.hash32(key, keyLength);
        put(kind, key, keyLength, hash, value, valueOffset, valueLength, clean);
    }

    /** As {@link #put(EntryKind, byte[], int, byte[], int, int, boolean)} with the key's hash. */
    public void put(
            EntryKind kind,
            byte[] key,
            int keyLength,
            int hash,
            byte[] value,
            int valueOffset,
            int valueLength,
            boolean clean) {
        // Index first: making index room may evict, and an eviction may seal the head page, which
        // would take away room reserved for the record. Evictions while reserving the record only
        // remove entries, so the index room survives them.
        boolean startsRowArrays = rowNext == null && chainedKey(key, keyLength);
        boolean full = indexGrowthForNewEntry(startsRowArrays) > 0;
        if (full && keys.find(hash, key, keyLength, keyMatcher) == NO_ENTRY) {
            makeIndexRoom(startsRowArrays);
        } else {
            allocator.reserveIndex(indexBytes());
        }
        reserve(Records.size(keyLength, valueLength));
        int entry = keys.find(hash, key, keyLength, keyMatcher);
        if (entry == NO_ENTRY) {
            entry = newEntry(hash, key, keyLength);
        } else {
            pages.release(address[entry]);
        }
        address[entry] = pages.write(entry, kind, key, keyLength, value, valueOffset, valueLength);
        flags[entry] = clean ? CLEAN : 0;
    }

    /**
     * Adds a list element to the key's entry without reading it onto the heap: a PUT or APPEND
     * entry is rewritten as its value, the delimiter and the element (copied page to page); a
     * DELETE becomes a PUT of the element (nothing older survives a delete); a missing entry
     * becomes {@code kindWhenAbsent} (APPEND when older runs may hold the key, else PUT).
     */
    public void append(
            byte[] key,
            int keyLength,
            byte delimiter,
            byte[] element,
            int elementOffset,
            int elementLength,
            EntryKind kindWhenAbsent) {
        int hash = KeyHash.hash32(key, keyLength);
        int entry = keys.find(hash, key, keyLength, keyMatcher);
        if (entry != NO_ENTRY && kind(entry) != EntryKind.DELETE) {
            long current = address[entry];
            int valueLength = Records.valueLength(pages.page(current), PagePointer.offset(current));
            reserve(Records.size(keyLength, valueLength + 1 + elementLength));
            // Taking memory may have evicted the entry or moved its record (same bytes).
            entry = keys.find(hash, key, keyLength, keyMatcher);
            if (entry != NO_ENTRY) {
                long old = address[entry];
                EntryKind kind = kind(entry);
                address[entry] =
                        pages.writeJoined(
                                entry,
                                kind,
                                key,
                                keyLength,
                                old,
                                delimiter,
                                element,
                                elementOffset,
                                elementLength);
                pages.release(old);
                flags[entry] = 0;
                return;
            }
            kindWhenAbsent = EntryKind.APPEND; // it went to a run just now
        }
        EntryKind kind =
                entry != NO_ENTRY && kind(entry) == EntryKind.DELETE
                        ? EntryKind.PUT
                        : kindWhenAbsent;
        put(kind, key, keyLength, element, elementOffset, elementLength, false);
    }

    /** Drops the entry and its record. */
    public void remove(int entry) {
        long a = address[entry];
        // Unlinking hashes the key again from the record, which releasing may free.
        unlink(entry);
        pages.release(a);
    }

    // ------------------------------------------------------------------------------------------
    //  Scans and snapshots
    // ------------------------------------------------------------------------------------------

    /**
     * Pins and returns the records of all entries whose keys start with the prefix, unsorted. A
     * prefix that is exactly a row walks that row's chain; any other prefix walks the whole index.
     * The caller must {@link #unpin} the result when done.
     */
    public PinnedRecords pin(byte[] prefix, int prefixLength) {
        long[] found;
        int count = 0;
        int row = rowPrefixLength(prefix, prefixLength);
        if (row > 0 && row == prefixLength) {
            found = new long[8];
            int hash = KeyHash.hash32(prefix, prefixLength);
            int exact = keys.find(hash, prefix, prefixLength, keyMatcher);
            if (exact != NO_ENTRY) {
                found[count++] = address[exact];
            }
            int first = rows.find(hash, prefix, prefixLength, rowMatcher);
            for (int e = first; e != NO_ENTRY; e = rowNext[e]) {
                if (count == found.length) {
                    found = Arrays.copyOf(found, count * 2);
                }
                found[count++] = address[e];
            }
        } else {
            found = new long[keys.size()];
            for (int e = 0; e < entryCapacityUsed; e++) {
                long a = address[e];
                if (a != -1L
                        && (prefixLength == 0
                                || Records.keyStartsWith(
                                        pages.page(a), PagePointer.offset(a), prefix, prefixLength))) {
                    found[count++] = a;
                }
            }
        }
        for (int i = 0; i < count; i++) {
            pages.pin(found[i]);
        }
        return new PinnedRecords(pages.pageTable(), found, count);
    }

    /**
     * Pins and returns the records of all dirty entries (not {@link #isClean clean}), unsorted:
     * with the runs of the moment, they are the whole store. For snapshots, which thus never
     * write again what the runs already hold.
     */
    public PinnedRecords pinDirty() {
        long[] found = new long[keys.size()];
        int count = 0;
        for (int e = 0; e < entryCapacityUsed; e++) {
            long a = address[e];
            if (a != -1L && flags[e] != CLEAN) {
                found[count++] = a;
            }
        }
        for (int i = 0; i < count; i++) {
            pages.pin(found[i]);
        }
        return new PinnedRecords(pages.pageTable(), found, count, pages.startEpoch());
    }

    /** Whether any of the pinned records is a list-append operand. */
    public boolean holdsOperands(PinnedRecords records) {
        long[] pinned = records.addresses();
        for (int i = 0; i < records.size(); i++) {
            long a = pinned[i];
            if (Records.kind(pages.page(a), PagePointer.offset(a)) == EntryKind.APPEND) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks the entries whose current record is one of the pinned ones as clean: those records
     * reached a run the store reads. Entries rewritten since keep their newer, dirty record. For
     * the records {@link #pinDirty} pinned, the pages last written before them are settled now.
     */
    public void markClean(PinnedRecords records) {
        long[] pinned = records.addresses();
        for (int i = 0; i < records.size(); i++) {
            long a = pinned[i];
            int entry = Records.entry(pages.page(a), PagePointer.offset(a));
            if (entry < entryCapacityUsed && address[entry] == a) {
                flags[entry] = CLEAN;
            }
        }
        if (records.epoch() > 0) {
            pages.settleBefore(records.epoch());
        }
    }

    /** Releases the pins of {@link #pin}; pages freed meanwhile are returned now. */
    public void unpin(PinnedRecords records) {
        long[] pinned = records.addresses();
        for (int i = 0; i < records.size(); i++) {
            pages.unpin(pinned[i]);
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Eviction
    // ------------------------------------------------------------------------------------------

    /**
     * The next page the CLOCK hand gives up, or -1 when none is left; each page once until {@link
     * #endEviction}. Pages pinned by views are given only when {@code takePinned}.
     */
    public int nextVictimPage(boolean takePinned) {
        return pages.nextVictim(takePinned);
    }

    /**
     * The next cold page holding only clean records (see {@link RecordPages}, "Settled pages"), or
     * -1; each page once until {@link #endEviction}. Evicting it writes nothing.
     */
    public int nextSettledVictimPage() {
        return pages.nextSettledVictim();
    }

    /** Bytes of one page. */
    public int pageBytes(int page) {
        return pages.size(page);
    }

    /** Ends an eviction, whether its run was written or not. */
    public void endEviction() {
        pages.clearChosen();
    }

    /** Adds the live records of a page to the batch. */
    public void collectLive(int page, EvictionBatch batch) {
        pages.forEachRecord(
                page,
                a -> {
                    int entry = Records.entry(pages.page(a), PagePointer.offset(a));
                    if (entry < entryCapacityUsed
                            && address[entry] == a
                            && batch.takes(Records.kind(pages.page(a), PagePointer.offset(a)))) {
                        batch.add(a, Records.size(pages.page(a), PagePointer.offset(a)), isClean(entry));
                    }
                });
    }

    /**
     * Drops the entries whose records the batch holds (after they reached a run) and returns
     * their pages, the head page included when eviction emptied it: eviction happens between
     * operations or inside a page allocation, and both take a new head before the next write.
     */
    public void removeAll(EvictionBatch batch) {
        for (int i = 0; i < batch.size(); i++) {
            removeIfCurrent(batch.address(i));
        }
        for (int i = 0; i < batch.cleanSize(); i++) {
            removeIfCurrent(batch.cleanAddress(i));
        }
        pages.sealHeadIfEmpty();
    }

    private void removeIfCurrent(long a) {
        int entry = Records.entry(pages.page(a), PagePointer.offset(a));
        if (address[entry] == a) {
            remove(entry);
        }
    }

    /**
     * Freezes a batch for writing off the store lock: pins every record of it, so that its pages
     * outlive whatever the task thread does to the entries meanwhile, and returns the dirty
     * records, which are immutable while pinned, for any thread to sort and read. {@link
     * #removeAll} and then {@link #thaw} complete the eviction under the lock.
     */
    public PinnedRecords freeze(EvictionBatch batch) {
        batch.forEachRecord(pages::pin);
        return new PinnedRecords(pages.pageTable(), batch.dirtyAddresses(), batch.size());
    }

    /** Releases the pins of {@link #freeze}; pages whose records all died go back now. */
    public void thaw(EvictionBatch batch) {
        batch.forEachRecord(pages::unpin);
    }

    /** The page table for reading the records of a batch or pinned set. */
    public Page[] pageTable() {
        return pages.pageTable();
    }

    // ------------------------------------------------------------------------------------------
    //  Sizes
    // ------------------------------------------------------------------------------------------

    public int entryCount() {
        return keys.size();
    }

    /** Off-heap bytes held in pages, live or not. */
    public long pageBytes() {
        return pages.allocatedBytes();
    }

    /** Bytes of live records. */
    public long liveRecordBytes() {
        return pages.liveBytes();
    }

    /**
     * Makes sure the index can take one more entry, within the memory budget. The index grows by
     * doubling, so near a doubling the growth is as large as the whole index, which in a tight
     * budget may be more than free memory and more than eviction can return while snapshot views
     * pin pages. Growth is therefore the last resort: if free memory does not cover it, entries
     * are evicted first, and evicted entries leave free slots behind, so the index usually no
     * longer needs to grow at all. The index thus grows only into memory nobody else uses, and
     * under pressure stays at the size that memory can afford. The reservation is taken before
     * the arrays grow, so the heap never holds uncharged index.
     */
    private void makeIndexRoom(boolean startsRowArrays) {
        long growth = indexGrowthForNewEntry(startsRowArrays);
        if (growth > 0) {
            allocator.makeRoomForIndex(growth);
            growth = indexGrowthForNewEntry(startsRowArrays);
        }
        allocator.reserveIndex(indexBytes() + growth);
        if (growth > 0) {
            if (freeEntryCount == 0 && entryCapacityUsed == address.length) {
                growEntries();
            }
            if (startsRowArrays) {
                allocateRowArrays();
            }
            keys.growForOneMore();
            rows.growForOneMore();
        }
    }

    /**
     * Heap bytes the index would add for one more entry: the entry arrays when no slot is free,
     * and either hash table at its load limit (the row table too, as the entry may start a row).
     */
    private long indexGrowthForNewEntry(boolean startsRowArrays) {
        long growth = keys.growthBytesForOneMore() + rows.growthBytesForOneMore();
        int capacity = address.length;
        if (freeEntryCount == 0 && entryCapacityUsed == capacity) {
            growth += entrySlotBytes() * capacity;
            capacity *= 2;
        }
        if (startsRowArrays) {
            growth += ROW_ENTRY_BYTES * capacity;
        }
        return growth;
    }

    /** Heap bytes of the index arrays: charged to the storage pool next to the pages. */
    public long indexBytes() {
        return keys.footprintBytes() + rows.footprintBytes() + entrySlotBytes() * address.length;
    }

    private long entrySlotBytes() {
        return rowNext == null ? ENTRY_BYTES : ENTRY_BYTES + ROW_ENTRY_BYTES;
    }

    private void allocateRowArrays() {
        int capacity = address.length;
        rowNext = new int[capacity];
        rowPrev = new int[capacity];
    }

    /** Whether the key lies below its row, so that its entry is chained (a MapState user key). */
    private static boolean chainedKey(byte[] key, int keyLength) {
        int row = rowPrefixLength(key, keyLength);
        return row > 0 && row < keyLength;
    }

    public int pageSize() {
        return pages.pageSize();
    }

    /** Drops every entry and returns every page; no view may be open. */
    public void clear() {
        pages.freeAll();
        keys.clear();
        rows.clear();
        Arrays.fill(address, -1L);
        freeEntryCount = 0;
        entryCapacityUsed = 0;
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Makes room for a record. When a new page is needed anyway and a third of the page bytes are
     * garbage, the live records of the emptiest pages are first moved into the fresh head, so that
     * those pages return to the pool: an in-memory cleaning pass of a log-structured store, done
     * on the task thread where taking a page is allowed (never inside {@code spill}). Each emptied
     * page was at most two thirds live, so the pass returns more pages than the one it took, and
     * copying in memory is far cheaper than letting garbage push live entries to disk.
     */
    private void reserve(int recordBytes) {
        if (!pages.fits(recordBytes) && pages.worthCleaning()) {
            pages.reserve(pages.pageSize());
            for (int victim = pages.emptiestPage();
                    victim >= 0 && pages.liveBytes(victim) <= pages.headRemaining();
                    victim = pages.emptiestPage()) {
                moveLiveRecordsToHead(victim);
            }
        }
        pages.reserve(recordBytes);
    }

    private void moveLiveRecordsToHead(int page) {
        pages.forEachRecord(
                page,
                a -> {
                    Page p = pages.page(a);
                    int entry = Records.entry(p, PagePointer.offset(a));
                    if (entry < entryCapacityUsed && address[entry] == a) {
                        address[entry] = pages.moveToHead(a);
                    }
                });
    }

    private int newEntry(int hash, byte[] key, int keyLength) {
        // Only entries below their row (MapState user keys) are chained: an entry whose key is
        // the row itself is found through the key table, which keeps ValueState entries out of
        // the row table entirely.
        int row = rowPrefixLength(key, keyLength);
        row = row < keyLength ? row : 0;
        if (row > 0 && rowNext == null) {
            // put() allocates them, charged, before the first chained entry; a later chained
            // entry finds them, as they are never dropped.
            throw new IllegalStateException("Row arrays missing for a chained memtable entry");
        }
        int entry;
        if (freeEntryCount > 0) {
            entry = freeEntries[--freeEntryCount];
        } else {
            if (entryCapacityUsed == address.length) {
                growEntries();
            }
            entry = entryCapacityUsed++;
        }
        keys.insert(hash, entry);
        if (rowNext == null) {
            return entry;
        }
        rowPrev[entry] = NO_ENTRY;
        rowNext[entry] = NO_ENTRY;
        if (row > 0) {
            int hashOfRow = KeyHash.hash32(key, row);
            int first = rows.find(hashOfRow, key, row, rowMatcher);
            if (first == NO_ENTRY) {
                rows.insert(hashOfRow, entry);
            } else {
                // Join behind the first entry, so the row table need not change.
                rowNext[entry] = rowNext[first];
                rowPrev[entry] = first;
                if (rowNext[first] != NO_ENTRY) {
                    rowPrev[rowNext[first]] = entry;
                }
                rowNext[first] = entry;
            }
        }
        return entry;
    }

    private void unlink(int entry) {
        int keyLength = copyStoredKey(address[entry]);
        keys.remove(KeyHash.hash32(keyScratch, keyLength), entry);
        int row = rowNext == null ? 0 : rowPrefixLength(keyScratch, keyLength);
        if (row > 0 && row < keyLength) {
            int hashOfRow = KeyHash.hash32(keyScratch, row);
            int prev = rowPrev[entry];
            int next = rowNext[entry];
            if (prev != NO_ENTRY) {
                rowNext[prev] = next;
                if (next != NO_ENTRY) {
                    rowPrev[next] = prev;
                }
            } else {
                if (next == NO_ENTRY) {
                    rows.remove(hashOfRow, entry);
                } else {
                    rowPrev[next] = NO_ENTRY;
                    rows.replace(hashOfRow, entry, next);
                }
            }
        }
        address[entry] = -1L;
        if (freeEntryCount == freeEntries.length) {
            freeEntries = Arrays.copyOf(freeEntries, freeEntries.length * 2);
        }
        freeEntries[freeEntryCount++] = entry;
    }

    /** Copies a record's key into {@link #keyScratch} and returns its length. */
    private int copyStoredKey(long a) {
        Page page = pages.page(a);
        int offset = PagePointer.offset(a);
        int length = Records.keyLength(page, offset);
        if (keyScratch.length < length) {
            keyScratch = new byte[Math.max(length, 2 * keyScratch.length)];
        }
        page.get(Records.keyStart(offset), keyScratch, 0, length);
        return length;
    }

    private boolean keyMatches(int entry, byte[] key, int length) {
        long a = address[entry];
        return Records.keyEquals(pages.page(a), PagePointer.offset(a), key, length);
    }

    /**
     * Whether a chained entry belongs to the row. The probe is always a complete row, and a key
     * that starts with a complete row parses to that same row, so the prefix decides.
     */
    private boolean rowMatches(int entry, byte[] row, int length) {
        long a = address[entry];
        return Records.keyStartsWith(pages.page(a), PagePointer.offset(a), row, length);
    }

    /** The row length of a composite key, or 0 when the bytes are not one. */
    private static int rowPrefixLength(byte[] key, int keyLength) {
        if (keyLength <= CompositeKey.STATE_PREFIX_BYTES) {
            return 0;
        }
        try {
            return CompositeKey.rowLength(key, keyLength);
        } catch (IllegalArgumentException notCompositeKey) {
            return 0;
        }
    }

    private void growEntries() {
        int capacity = address.length * 2;
        address = Arrays.copyOf(address, capacity);
        Arrays.fill(address, capacity / 2, capacity, -1L);
        flags = Arrays.copyOf(flags, capacity);
        if (rowNext != null) {
            rowNext = Arrays.copyOf(rowNext, capacity);
            rowPrev = Arrays.copyOf(rowPrev, capacity);
        }
    }
}
