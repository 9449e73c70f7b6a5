package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.store.memtable.PageAllocator;

import java.io.IOException;

/**
 * The memtable's account in the storage pool: pages for records, plus a reservation for the
 * on-heap index arrays. When the memory manager asks it to spill, it evicts through the store, and
 * before the index grows it evicts through the store unless free memory covers the growth.
 *
 * <p>Before taking memory it takes back the store's run-index charge and drops the store's cached
 * blocks beyond what hot blocks have won (see
 * {@link BlockCacheMemory}, {@link StoreMemoryAccounts#chargeRunIndexes}), so a cache that filled
 * idle memory never makes the manager evict
 * state to disk instead, while the blocks the cache protects make the memtable evict its own cold
 * pages.
 */
final class MemtableMemory extends MemoryConsumer implements PageAllocator {

    /** What the memory manager's eviction request turns into. */
    interface Evictor {
        long evict(long bytes) throws IOException;
    }

    private final BlockCacheMemory blockCache;
    private Evictor evictor;
    private Runnable lowMemory = () -> {};
    /** The store's run-index charge, which ranks below the pages; null until the store is built. */
    private StoreMemoryAccounts accounts;
    /** Written under the store lock; read by the block cache's charge. */
    private volatile long reservedIndexBytes;

    MemtableMemory(MemoryClient client, String name, BlockCacheMemory blockCache) {
        super(client, PoolKind.STORAGE, name);
        this.blockCache = blockCache;
    }

    void evictThrough(Evictor target) {
        this.evictor = target;
    }

    /** The charges the memtable takes back before it evicts ({@link StoreMemoryAccounts}). */
    void rankAbove(StoreMemoryAccounts charges) {
        this.accounts = charges;
    }

    /** Called (on the task thread, under the store lock) when a new page leaves memory low. */
    void onLowMemory(Runnable action) {
        this.lowMemory = action;
    }

    @Override
    public Page allocate(int minBytes) {
        int size = Math.max(minBytes, client().pageSize());
        yieldCachedBlocks(size);
        evictBeforeProtectedBlocks(size);
        Page page = minBytes <= client().pageSize() ? allocatePage() : allocatePage(minBytes);
        long room =
                client().manager().freeMemory()
                        + runIndexCharge()
                        + blockCache.getUsed()
                        - blockCache.protectedBytes();
        if (room < lowWaterMark()) {
            lowMemory.run();
        }
        return page;
    }

    /**
     * Memory the memtable could still take without evicting (free, or cached blocks it takes
     * first: those beyond what hot blocks won) below which eviction starts ahead of need: an
     * eighth of what this memtable holds (what one eviction frees at least), and never less than
     * four pages. Cached blocks count as room: otherwise the cache would take each eviction's
     * memory and the next page would evict again, shrinking the memtable in favour of the cache.
     */
    private long lowWaterMark() {
        return Math.max(
                4L * client().pageSize(), getUsed() / MemtableEviction.MIN_EVICTION_SHARE_DIVISOR);
    }

    /**
     * Takes back what ranks below the pages before anything is evicted: the run-index charge, then
     * cached blocks beyond their protected share.
     */
    private void yieldCachedBlocks(long bytes) {
        long missing = bytes - client().manager().freeMemory();
        if (missing > 0 && accounts != null) {
            missing -= accounts.yieldRunIndexes(missing);
        }
        if (missing > 0) {
            blockCache.yieldUnprotected(missing);
        }
    }

    private long runIndexCharge() {
        return accounts == null ? 0 : accounts.runIndexBytes();
    }

    /**
     * With hot blocks cached, the memtable makes room by evicting its own cold pages rather than
     * letting the memory manager drop those blocks. A failing eviction is reported by the
     * allocation that follows, as in {@link #makeRoomForIndex}.
     */
    private void evictBeforeProtectedBlocks(long bytes) {
        if (evictor != null && blockCache.getUsed() > 0
                && client().manager().freeMemory() < bytes) {
            try {
                evictor.evict(bytes);
            } catch (IOException reportedByTheAllocation) {
                // The entries stay in memory; the allocation's acquire path reports the cause.
            }
        }
    }

    @Override
    public void free(Page page) {
        freePage(page);
    }

    /**
     * Evicts entries when the index growth would not fit in free memory (after yielding cached
     * blocks). A failing eviction (full disk) is not reported here: the reservation that follows
     * goes through the memory manager's acquire path, which spills again and reports the cause if
     * it cannot find the memory elsewhere.
     */
    @Override
    public void makeRoomForIndex(long growthBytes) {
        yieldCachedBlocks(growthBytes);
        if (evictor != null && client().manager().freeMemory() < growthBytes) {
            try {
                evictor.evict(growthBytes);
            } catch (IOException reportedByTheReservation) {
                // The entries stay in memory; see above.
            }
        }
    }

    /** Grows the index reservation to the given size; it shrinks only in {@link #releaseIndex}. */
    @Override
    public void reserveIndex(long indexBytes) {
        if (indexBytes > reservedIndexBytes) {
            yieldCachedBlocks(indexBytes - reservedIndexBytes);
            acquireMemory(indexBytes - reservedIndexBytes);
            reservedIndexBytes = indexBytes;
        }
    }

    /** Bytes of record pages: what eviction can free, unlike the index reservation. */
    long pageBytes() {
        return Math.max(0, getUsed() - reservedIndexBytes);
    }

    /** Returns the index reservation (pages are freed by the memtable). */
    void releaseIndex() {
        if (reservedIndexBytes > 0) {
            releaseMemory(reservedIndexBytes);
            reservedIndexBytes = 0;
        }
    }

    @Override
    public long spill(long bytes, MemoryConsumer trigger) throws IOException {
        return evictor == null ? 0 : evictor.evict(bytes);
    }
}
