package dev.spillway.backend.memory;

/**
 * The two pools of the {@link UnifiedMemoryManager}. Every {@link MemoryConsumer} belongs to
 * exactly one of them for its whole life.
 */
public enum PoolKind {
    /**
     * Short-lived working memory: the sort arrays and run writers of evictions, the merge buffers
     * of compactions, snapshot views' pin arrays, sorts and writers. Execution may reclaim storage
     * memory above the storage floor by asking storage consumers to evict.
     */
    EXECUTION,

    /**
     * Cached state: memtable pages and index, cached run blocks, the runs' bloom filters and block
     * indexes. Storage may borrow only free execution memory and never takes memory away from
     * execution.
     */
    STORAGE
}
