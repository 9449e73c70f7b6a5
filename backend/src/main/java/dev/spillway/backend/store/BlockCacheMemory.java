package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.store.run.BlockCache;
import dev.spillway.backend.store.run.MemoryCharge;

/**
 * The block cache's account in the storage pool. A cached block is worth less than a memtable
 * entry (it can be read again; the entry would have to be written out first), so the cache only
 * takes memory that is free: it never makes the memory manager evict state for it. When the
 * manager needs storage back, spilling the cache simply drops its least recently used blocks.
 */
final class BlockCacheMemory extends MemoryConsumer implements MemoryCharge {

    private volatile BlockCache cache;

    BlockCacheMemory(MemoryClient client, String name) {
        super(client, PoolKind.STORAGE, name);
    }

    void serve(BlockCache blockCache) {
        this.cache = blockCache;
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
    public void refund(long bytes) {
        releaseMemory(bytes);
    }

    @Override
    public long spill(long bytes, MemoryConsumer trigger) {
        BlockCache blocks = cache;
        return blocks == null ? 0 : blocks.shrink(bytes);
    }
}
