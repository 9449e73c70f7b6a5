package dev.spillway.backend.state;

/**
 * How a state keeps its values, in Spark's vocabulary (Spark's {@code StorageLevel}). Every level
 * keeps the serialized values in the store's off-heap pages and spills them to disk when the budget
 * is short; the levels differ in what sits in front of the pages.
 *
 * <p>Spark's {@code MEMORY_ONLY}, {@code MEMORY_ONLY_SER} (state pinned in memory) and {@code
 * DISK_ONLY} (the memtable only as a write buffer) are planned, not built.
 */
public enum StorageLevel {

    /**
     * Hot values also as deserialized objects on the heap, in the backend's bounded object tier
     * ({@link ObjectTier}): reads of them deserialize nothing, updates serialize only when the object
     * leaves the tier or a checkpoint is taken. Applies to the states with one value per row (Value,
     * Reducing, Aggregating); List and Map states keep the
     * serialized level.
     */
    MEMORY_AND_DISK,

    /** Serialized values only: every read deserializes a fresh object, every update serializes. */
    MEMORY_AND_DISK_SER
}
