package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.store.run.BlockCache;
import dev.spillway.backend.store.run.MemoryCharge;

/**
 * The block cache's account in the storage pool. Cached blocks are storage memory, competing with
 * the memtable's pages under the cache's frequency policy (TinyLFU, see {@link BlockCache}):
 *
 * <ul>
 *   <li>Free memory is taken for any block ({@link #tryCharge}).
 *   <li>A block read often enough may take memory through the memory manager's normal acquire
 *       path, which evicts the coldest memtable pages to a run ({@link #tryChargeEvicting}), but
 *       only while the cache holds less than {@link #PROTECTED_SHARE} of this store's cached
 *       blocks plus memtable pages.
 *   <li>Up to that share the cache's blocks are protected from this store's memtable: a memtable
 *       that needs memory takes the cache's bytes above the share ({@link #yieldUnprotected}),
 *       then evicts its own cold pages, and only if that frees nothing (pages pinned by snapshot
 *       views) asks the memory manager, which may drop any block. Other requests (execution
 *       memory, other stores) take cached blocks first, as the cheapest storage to give up.
 * </ul>
 *
 * The share is what keeps the two from pushing each other out in turn: the memtable cannot take
 * back what hot blocks won, and blocks cannot push the memtable below the rest.
 *
 * <p>Deadlocks: a charge that evicts runs on the task thread inside a read, holding the store lock
 * (the store's own eviction re-enters it) but not the cache's lock; another store's eviction waits
 * at most {@code MemtableEviction#EVICTION_LOCK_WAIT_MILLIS} for its lock, as for any request.
 */
final class BlockCacheMemory extends MemoryConsumer implements MemoryCharge {

    /**
     * The part of the store's cached blocks plus memtable pages that hot blocks may win from the
     * memtable. The memtable's index reservation is left out: it cannot be evicted, and counting
     * it would let blocks squeeze the pages out entirely. A quarter, because memtable pages also
     * absorb writes: a smaller memtable means more, smaller spills.
     */
    static final double PROTECTED_SHARE = 0.25;

    private volatile BlockCache cache;
    private volatile MemtableMemory memtable;

    BlockCacheMemory(MemoryClient client, String name) {
        super(client, PoolKind.STORAGE, name);
    }

    void serve(BlockCache blockCache) {
        this.cache = blockCache;
    }

    /** The memtable whose pages the cache competes with. */
    void competeWith(MemtableMemory memtableConsumer) {
        this.memtable = memtableConsumer;
    }

    /** Cached bytes the memtable may not take back. */
    long protectedBytes() {
        MemtableMemory pages = memtable;
        long total = getUsed() + (pages == null ? 0 : pages.pageBytes());
        return Math.min(getUsed(), (long) (PROTECTED_SHARE * total));
    }

    @Override
    public boolean tryCharge(long bytes) {
        // Checked without a lock: a concurrent request may take the memory first, and then this
        // one evicts a little storage after all. Rare, bounded by one block, and never wrong.
        if (client().manager().freeMemory() < bytes) {
            return false;
        }
        try {
            acquireMemory(bytes);
            return true;
        } catch (SpillwayMemoryException noMemory) {
            return false;
        }
    }

    @Override
    public boolean tryChargeEvicting(long bytes) {
        MemtableMemory pages = memtable;
        if (pages == null
                || getUsed() + bytes > PROTECTED_SHARE * (getUsed() + bytes + pages.pageBytes())) {
            return false;
        }
        try {
            acquireMemory(bytes);
            return true;
        } catch (SpillwayMemoryException noMemory) {
            return false;
        }
    }

    @Override
    public void refund(long bytes) {
        releaseMemory(bytes);
    }

    /**
     * Drops up to {@code bytes} of cached blocks, but none of those hot blocks won: what the
     * memtable asks for before it evicts its own cold pages.
     */
    long yieldUnprotected(long bytes) {
        BlockCache blocks = cache;
        return blocks == null ? 0 : blocks.shrink(Math.min(bytes, getUsed() - protectedBytes()));
    }

    /**
     * Called by the memory manager: drops blocks, protected or not. The memtable asks the manager
     * only after evicting its own pages failed to make room (snapshot views may pin them all).
     * This store's own buffers ({@link MemoryReservation}s of its evictions, merges, snapshots and
     * run indexes) take only the blocks beyond the protected share, as the memtable does: the
     * work on the store must not cost it the blocks its reads are hot on.
     */
    @Override
    public long spill(long bytes, MemoryConsumer trigger) {
        if (trigger instanceof MemoryReservation && trigger.client() == client()) {
            return yieldUnprotected(bytes);
        }
        BlockCache blocks = cache;
        return blocks == null ? 0 : blocks.shrink(bytes);
    }

    /** Blocks are copies of run contents: dropping them writes nothing. */
    @Override
    protected boolean dropsWithoutWriting() {
        return true;
    }
}
