package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;

/**
 * Where the memtable's pages come from: the store's storage-pool memory consumer. Kept this narrow
 * so the memtable knows nothing about pools, borrowing or other consumers.
 */
public interface PageAllocator {

    /**
     * Returns an off-heap page of at least {@code minBytes} bytes, charged to the storage pool.
     * May make the memory manager spill other consumers, or the memtable's own store, before it
     * returns.
     *
     * @throws dev.spillway.backend.memory.SpillwayMemoryException when no memory can be found
     */
    Page allocate(int minBytes);

    /** Returns a page obtained from {@link #allocate}. */
    void free(Page page);
}
