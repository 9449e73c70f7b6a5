package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PagePointer;
import dev.spillway.backend.store.entry.EntryKind;

import java.util.Arrays;

/**
 * The memtable's page table: off-heap pages that records are appended to, with the per-page
 * bookkeeping that eviction and snapshots need.
 *
 * <h2>Life of a page</h2>
 *
 * <p>Records are appended to the <em>head</em> page until it is full, then a new head is taken from
 * the {@link PageAllocator}. A record larger than a page gets a page of its own. Records are never
 * modified: an update appends a new record and the old one becomes garbage ({@link #release}).
 * Each page counts its live bytes; a page whose live bytes drop to zero is returned at once,
 * unless a snapshot view still pins it, in which case it is <em>retired</em> and returned when the
 * last pin goes ({@link #unpin}). Pinning is per record pointer, so a view of three map entries
 * pins three counts, not the whole table.
 *
 * <h2>Heat</h2>
 *
 * <p>Every page carries a small saturating counter that point accesses raise ({@link #touch}) and
 * the eviction hand lowers: a generalized CLOCK over pages ({@link #nextVictim}). Scans do not
 * touch pages, so a snapshot or a full iteration cannot make cold pages look hot.
 *
 * <h2>Settled pages</h2>
 *
 * <p>A snapshot that pins the dirty records starts a new <em>epoch</em> ({@link #startEpoch}), and
 * every page remembers the epoch of its last record. Once that snapshot's run has joined the store
 * and its records turned clean ({@link #settleBefore}), a page last written before the snapshot
 * holds clean records only: each of its live records was either clean already or pinned and is
 * clean now (a record never turns dirty again; a write makes a new record on the head page).
 * Evicting such a <em>settled</em> page writes nothing ({@link #nextSettledVictim}).
 *
 * <p>Not thread-safe: the store calls it under its lock. Snapshot views read records through a
 * {@link #pageTable() copy of the page table}, which stays valid for the pages they pin.
 */
final class RecordPages {

    private static final int MAX_HEAT = 3;
    private static final int NO_PAGE = -1;

    private final PageAllocator allocator;
    private final int pageSize;

    private Page[] pages = new Page[16];
    /** End of the written records of each page. */
    private int[] used = new int[16];

    private int[] liveBytes = new int[16];
    private int[] pins = new int[16];
    private boolean[] retired = new boolean[16];
    private byte[] heat = new byte[16];
    /** Pages chosen by the eviction in progress, so the hand does not offer them twice. */
    private boolean[] chosen = new boolean[16];
    /** The epoch of each page's last record (see "Settled pages"). */
    private long[] writtenIn = new long[16];

    private long epoch;
    /** Pages last written in an epoch below this one are settled. */
    private long settledBefore;

    /** Page numbers below {@link #pageCount} whose slot is empty, for reuse. */
    private int[] freeNumbers = new int[16];

    private int freeNumberCount;
    private int pageCount;
    private int head = NO_PAGE;
    /** A page reserved for one record larger than a page, not yet written. */
    private int largePage = NO_PAGE;
    private int clockHand;

    private long allocatedBytes;
    private long totalLiveBytes;

    RecordPages(PageAllocator allocator, int pageSize) {
        this.allocator = allocator;
        this.pageSize = pageSize;
    }

    /**
     * Makes room for a record of the given size, taking a new page when the head is full. The
     * allocation may re-enter the store through eviction, so callers look up index entries only
     * after this returns.
     */
    void reserve(int recordBytes) {
        if (recordBytes > pageSize) {
            if (largePage == NO_PAGE || pages[largePage].size() < recordBytes) {
                Page segment = allocator.allocate(recordBytes);
                if (largePage != NO_PAGE) {
                    free(largePage);
                }
                largePage = install(segment);
            }
            return;
        }
        if (head != NO_PAGE && used[head] + recordBytes <= pages[head].size()) {
            return;
        }
        Page segment = allocator.allocate(pageSize);
        sealHead();
        head = install(segment);
    }

    /** Whether the head page has room for a record of this size without a new page. */
    boolean fits(int recordBytes) {
        return recordBytes > pageSize
                ? largePage != NO_PAGE && pages[largePage].size() >= recordBytes
                : head != NO_PAGE && used[head] + recordBytes <= pages[head].size();
    }

    /**
     * Whether a third or more of the allocated bytes are garbage (replaced or deleted records), so
     * that moving live records out of the emptiest pages returns memory. Four pages at least:
     * below that the head's unused tail alone looks like garbage.
     */
    boolean worthCleaning() {
        return pageCount - freeNumberCount >= 4 && 3 * totalLiveBytes < 2 * allocatedBytes;
    }

    /**
     * The standard page, other than the head, with the fewest live bytes that is worth emptying:
     * not pinned by a view (its memory could not be returned) and at most two thirds live. -1 if
     * none.
     */
    int emptiestPage() {
        int best = NO_PAGE;
        for (int page = 0; page < pageCount; page++) {
            if (pages[page] == null
                    || page == head
                    || page == largePage
                    || retired[page]
                    || pins[page] > 0
                    || pages[page].size() != pageSize
                    || 3 * liveBytes[page] > 2 * pageSize) {
                continue;
            }
            if (best == NO_PAGE || liveBytes[page] < liveBytes[best]) {
                best = page;
            }
        }
        return best;
    }

    /** Live bytes of one page. */
    int liveBytes(int page) {
        return liveBytes[page];
    }

    /** Free bytes at the end of the head page. */
    int headRemaining() {
        return head == NO_PAGE ? 0 : pages[head].size() - used[head];
    }

    /**
     * Copies a live record to the head page (which must have room) and releases the original,
     * returning the copy's address. The record keeps its entry number.
     */
    long moveToHead(long address) {
        Page source = pages[PagePointer.pageNumber(address)];
        int offset = PagePointer.offset(address);
        int size = Records.size(source, offset);
        int target = used[head];
        source.copyTo(offset, pages[head], target, size);
        used[head] += size;
        writtenIn[head] = epoch;
        liveBytes[head] += size;
        totalLiveBytes += size;
        release(address);
        return PagePointer.encode(head, target);
    }

    /** The page the next record of this size goes to; {@link #reserve} made room there. */
    private int targetPage(int recordBytes) {
        if (recordBytes <= pageSize) {
            return head;
        }
        int page = largePage;
        largePage = NO_PAGE;
        return page;
    }

    /** Appends a record; {@link #reserve} must have made room for its size just before. */
    long write(
            int entry,
            EntryKind kind,
            byte[] key,
            int keyLength,
            byte[] value,
            int valueOffset,
            int valueLength) {
        int size = Records.size(keyLength, valueLength);
        int page = targetPage(size);
        int offset = used[page];
        Records.write(pages[page], offset, entry, kind, key, keyLength, value, valueOffset, valueLength);
        used[page] += size;
        writtenIn[page] = epoch;
        liveBytes[page] += size;
        totalLiveBytes += size;
        return PagePointer.encode(page, offset);
    }

    /**
     * Appends a record whose value is an existing record's value, the list delimiter and a new
     * element, copied page to page without materializing the old value on the heap.
     */
    long writeJoined(
            int entry,
            EntryKind kind,
            byte[] key,
            int keyLength,
            long oldAddress,
            byte delimiter,
            byte[] element,
            int elementOffset,
            int elementLength) {
        Page oldPage = pages[PagePointer.pageNumber(oldAddress)];
        int oldOffset = PagePointer.offset(oldAddress);
        int oldValueLength = Records.valueLength(oldPage, oldOffset);
        int valueLength = oldValueLength + 1 + elementLength;
        int size = Records.size(keyLength, valueLength);
        int page = targetPage(size);
        Page target = pages[page];
        int offset = used[page];
        Records.writeHeader(target, offset, entry, kind, keyLength, valueLength);
        target.put(Records.keyStart(offset), key, 0, keyLength);
        int valueStart = Records.keyStart(offset) + keyLength;
        oldPage.copyTo(Records.valueStart(oldPage, oldOffset), target, valueStart, oldValueLength);
        target.putByte(valueStart + oldValueLength, delimiter);
        target.put(valueStart + oldValueLength + 1, element, elementOffset, elementLength);
        used[page] += size;
        writtenIn[page] = epoch;
        liveBytes[page] += size;
        totalLiveBytes += size;
        return PagePointer.encode(page, offset);
    }

    /** The record at the address became garbage (replaced, deleted or evicted). */
    void release(long address) {
        int page = PagePointer.pageNumber(address);
        int size = Records.size(pages[page], PagePointer.offset(address));
        liveBytes[page] -= size;
        totalLiveBytes -= size;
        if (liveBytes[page] == 0 && page != head) {
            retireOrFree(page);
        }
    }

    /** Records a point access to the record's page. */
    void touch(long address) {
        int page = PagePointer.pageNumber(address);
        if (heat[page] < MAX_HEAT) {
            heat[page]++;
        }
    }

    /**
     * Advances the CLOCK hand to the next page to evict: a page whose heat has decayed to zero.
     * Every page the hand passes loses one degree of heat, so a page survives at most {@code
     * MAX_HEAT} sweeps without being accessed. The head page, which receives the newest writes,
     * is given up only when no other page holds live records. A page is offered once per eviction
     * (until {@link #clearChosen}). Pages pinned by a view are offered only when {@code
     * takePinned}: evicting them frees their memory only when the view closes. Returns -1 when no
     * page is left to offer.
     */
    int nextVictim(boolean takePinned) {
        if (totalLiveBytes == 0) {
            return NO_PAGE;
        }
        // After MAX_HEAT + 1 sweeps every other live page has cooled to zero and been offered.
        long steps = (long) (MAX_HEAT + 1) * pageCount + 1;
        for (long step = 0; step < steps; step++) {
            int page = clockHand;
            clockHand = (clockHand + 1) % pageCount;
            if (pages[page] == null
                    || retired[page]
                    || chosen[page]
                    || (pins[page] > 0 && !takePinned)
                    || liveBytes[page] == 0
                    || page == largePage
                    || page == head) {
                continue;
            }
            if (heat[page] == 0) {
                chosen[page] = true;
                return page;
            }
            heat[page]--;
        }
        if (head != NO_PAGE
                && liveBytes[head] > 0
                && !chosen[head]
                && (pins[head] == 0 || takePinned)) {
            chosen[head] = true;
            return head;
        }
        return NO_PAGE;
    }

    /**
     * The next cold settled page the hand passes in one turn, or -1: a page whose eviction writes
     * nothing. Unlike {@link #nextVictim} it cools nothing, so heat still decides between a hot
     * page and a cold one; it only puts a cold clean page before a cold dirty one. Pinned pages are
     * never offered (their memory would not come back).
     */
    int nextSettledVictim() {
        if (totalLiveBytes == 0 || settledBefore == 0) {
            return NO_PAGE;
        }
        for (int step = 0; step < pageCount; step++) {
            int page = clockHand;
            clockHand = (clockHand + 1) % pageCount;
            if (pages[page] != null
                    && !retired[page]
                    && !chosen[page]
                    && pins[page] == 0
                    && liveBytes[page] > 0
                    && page != largePage
                    && page != head
                    && heat[page] == 0
                    && writtenIn[page] < settledBefore) {
                chosen[page] = true;
                return page;
            }
        }
        return NO_PAGE;
    }

    /**
     * Starts an epoch: called as a snapshot pins the dirty records. Returns the epoch, which the
     * snapshot presents to {@link #settleBefore} once its records are clean.
     */
    long startEpoch() {
        return ++epoch;
    }

    /** The records a snapshot pinned at the start of {@code snapshotEpoch} are clean now. */
    void settleBefore(long snapshotEpoch) {
        settledBefore = Math.max(settledBefore, snapshotEpoch);
    }

    /** Ends an eviction: every page may be offered again. */
    void clearChosen() {
        Arrays.fill(chosen, 0, pageCount, false);
    }

    /**
     * Visits the addresses of all records of a page, live or not; the caller checks liveness. The
     * visitor may release records: once the page's last live record goes, the page is returned
     * and the walk ends.
     */
    void forEachRecord(int page, RecordVisitor visitor) {
        Page segment = pages[page];
        int offset = 0;
        while (offset < used[page]) {
            int size = Records.size(segment, offset);
            visitor.visit(PagePointer.encode(page, offset));
            offset += size;
        }
    }

    /** Called with each record address of a page. */
    interface RecordVisitor {
        void visit(long address);
    }

    /**
     * Ends appends to the head page, so that an emptied head can be returned (after eviction took
     * its records, or before a new head is installed). The next write takes a new page.
     */
    void sealHead() {
        if (head != NO_PAGE) {
            int page = head;
            head = NO_PAGE;
            if (liveBytes[page] == 0) {
                retireOrFree(page);
            }
        }
    }

    /** Seals the head page if it holds no live record, returning it. */
    void sealHeadIfEmpty() {
        if (head != NO_PAGE && liveBytes[head] == 0) {
            sealHead();
        }
    }

    /** Bytes of one page. */
    int size(int page) {
        return pages[page].size();
    }

    void pin(long address) {
        pins[PagePointer.pageNumber(address)]++;
    }

    void unpin(long address) {
        int page = PagePointer.pageNumber(address);
        if (--pins[page] == 0 && retired[page]) {
            retired[page] = false;
            free(page);
        }
    }

    /** The current page table; valid for reading the records a caller pinned. */
    Page[] pageTable() {
        return pages;
    }

    Page page(long address) {
        return pages[PagePointer.pageNumber(address)];
    }

    long allocatedBytes() {
        return allocatedBytes;
    }

    long liveBytes() {
        return totalLiveBytes;
    }

    int pageSize() {
        return pageSize;
    }

    /** Returns every page; callers guarantee no view pins any. */
    void freeAll() {
        for (int page = 0; page < pageCount; page++) {
            if (pages[page] != null) {
                allocator.free(pages[page]);
                pages[page] = null;
            }
        }
        Arrays.fill(liveBytes, 0);
        Arrays.fill(used, 0);
        Arrays.fill(retired, false);
        Arrays.fill(heat, (byte) 0);
        Arrays.fill(chosen, false);
        pageCount = 0;
        freeNumberCount = 0;
        head = NO_PAGE;
        largePage = NO_PAGE;
        clockHand = 0;
        allocatedBytes = 0;
        totalLiveBytes = 0;
    }

    private void retireOrFree(int page) {
        if (pins[page] > 0) {
            retired[page] = true;
        } else {
            free(page);
        }
    }

    private void free(int page) {
        allocatedBytes -= pages[page].size();
        allocator.free(pages[page]);
        pages[page] = null;
        used[page] = 0;
        heat[page] = 0;
        chosen[page] = false;
        freeNumbers[freeNumberCount++] = page;
    }

    private int install(Page segment) {
        int page;
        if (freeNumberCount > 0) {
            page = freeNumbers[--freeNumberCount];
        } else {
            if (pageCount == pages.length) {
                grow();
            }
            page = pageCount++;
        }
        pages[page] = segment;
        used[page] = 0;
        liveBytes[page] = 0;
        heat[page] = 0;
        writtenIn[page] = epoch;
        allocatedBytes += segment.size();
        return page;
    }

    private void grow() {
        int capacity = pages.length * 2;
        // A copy, never in place: snapshot views keep reading the array they were given.
        pages = Arrays.copyOf(pages, capacity);
        used = Arrays.copyOf(used, capacity);
        liveBytes = Arrays.copyOf(liveBytes, capacity);
        pins = Arrays.copyOf(pins, capacity);
        retired = Arrays.copyOf(retired, capacity);
        heat = Arrays.copyOf(heat, capacity);
        chosen = Arrays.copyOf(chosen, capacity);
        writtenIn = Arrays.copyOf(writtenIn, capacity);
        freeNumbers = Arrays.copyOf(freeNumbers, capacity);
    }
}
