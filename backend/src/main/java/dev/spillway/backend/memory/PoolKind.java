package dev.spillway.backend.memory;

/**
 * The two pools of the {@link UnifiedMemoryManager}. Every {@link MemoryConsumer} belongs to
 * exactly one of them for its whole life.
 */
public enum PoolKind {
    /**
     * Short-lived working memory: sort and merge buffers, snapshot writers, iterators. Execution
     * may reclaim storage memory above the storage floor by asking storage consumers to evict.
     */
    EXECUTION,

    /**
     * Cached state: memtable pages and cached run blocks. Storage may borrow only free execution
     * memory and never takes memory away from execution.
     */
    STORAGE
}
