package dev.spillway.backend.store.compaction;

/**
 * Lets the state layer drop entries while runs are merged, RocksDB compaction-filter style: the
 * TTL support uses it to remove expired state without reading it first.
 *
 * <p>The filter sees every fully resolved value (a PUT, including one just assembled from a base
 * and appended elements). It does not see tombstones, and it does not see APPEND chains that
 * cannot be resolved because older runs are not part of the merge — their elements are filtered
 * once a later compaction resolves them. A dropped value is replaced by a tombstone when older
 * runs might still hold the key, and vanishes otherwise, so dropping never resurrects an older
 * value.
 *
 * <p>Called on the compaction thread; implementations must be thread-safe and must not keep the
 * arrays.
 */
@FunctionalInterface
public interface CompactionFilter {

    /** Whether the entry should be removed from the merged output. */
    boolean drop(byte[] key, byte[] value);

    /** Keeps everything. */
    CompactionFilter KEEP_ALL = (key, value) -> false;
}
