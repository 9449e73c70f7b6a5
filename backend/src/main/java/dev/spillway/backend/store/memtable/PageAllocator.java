package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;

/**
 * Where the memtable's memory comes from: the store's storage-pool memory consumer. Kept this
 * narrow so the memtable knows nothing about pools, borrowing or other consumers. Pages hold the
 * records; a plain reservation covers the on-heap index arrays.
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

    /**
     * Called before the index grows by {@code growthBytes}: when free memory cannot cover the
     * growth, evicts entries through the store first (which may make the growth unnecessary, as
     * evicted entries leave free index slots behind). Never fails for lack of memory.
     */
    void makeRoomForIndex(long growthBytes);

    /**
     * Grows the index reservation to {@code totalBytes} (never shrinks it).
     *
     * @throws dev.spillway.backend.memory.SpillwayMemoryException when no memory can be found
     */
    void reserveIndex(long totalBytes);
}
