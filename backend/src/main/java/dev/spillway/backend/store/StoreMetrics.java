package dev.spillway.backend.store;

/**
 * Gauges and counters of one store, for the backend to register on Flink's metric group. Every
 * getter may be called from any thread (the metric reporter's) and never blocks the task thread:
 * values are published with plain volatile writes by the thread that changes them.
 */
public interface StoreMetrics {

    /** Live entries in the memtable (including tombstones and append operands). */
    long entriesInMemory();

    /** Storage-pool bytes of the memtable: pages plus index arrays. */
    long bytesInMemory();

    /** Sorted runs on disk. */
    long runCount();

    /** Bytes of all run files on disk. */
    long bytesOnDisk();

    /** Entries written out by eviction since the store opened. */
    long evictedEntries();

    /** Record bytes written out by eviction. */
    long evictedBytes();

    /** Evictions that wrote a run (each {@code spill} that moved data to disk). */
    long spills();

    /** Compactions completed. */
    long compactions();

    /**
     * 1 while a compaction is queued or merging, else 0: a backlog shows as this staying at 1 while
     * {@link #runCount()} grows (RocksDB's {@code compaction-pending}).
     */
    long compactionPending();

    /** Compactions that failed (their inputs stayed; the next spill retries). */
    long compactionFailures();

    /** Bytes written to run files by spills and compactions: with the user bytes, write amplification. */
    long bytesWrittenToDisk();

    /**
     * Writes that waited: for pinned memory to come back (a snapshot view not yet persisted, a
     * frozen eviction being written) or for compaction to catch up with spills.
     */
    long writeStalls();

    /** Total time writes waited in those stalls, in milliseconds. */
    long writeStallMillis();

    /** Entries read from runs and admitted back into memory. */
    long promotions();

    /** Run block reads served by the block cache. */
    long blockCacheHits();

    /** Run block reads that went to disk. */
    long blockCacheMisses();

    /** Storage-pool bytes held by cached run blocks. */
    long blockCacheBytes();

    /** Point reads that missed memory and consulted the runs. */
    long runGets();

    /** Blocks those point reads looked up (cache hits and disk reads), over all runs consulted. */
    long runGetBlocks();

    /** Bytes those point reads read from disk (framed blocks). */
    long runGetDiskBytes();
}
