package dev.spillway.backend.state;

import java.util.Map;
import java.util.Objects;

/**
 * The storage level of each state (a default and overrides by state name) and the heap the object
 * tier of {@link StorageLevel#MEMORY_AND_DISK} states may take.
 */
public final class StorageLevels {

    /** The object tier's default capacity per keyed backend. */
    public static final long DEFAULT_OBJECT_TIER_BYTES = 32L << 20;

    private final StorageLevel defaultLevel;
    private final Map<String, StorageLevel> overrides;
    private final long objectTierBytes;

    public StorageLevels(
            StorageLevel defaultLevel, Map<String, StorageLevel> overrides, long objectTierBytes) {
        this.defaultLevel = Objects.requireNonNull(defaultLevel, "defaultLevel");
        this.overrides = Map.copyOf(overrides);
        if (objectTierBytes < 0) {
            throw new IllegalArgumentException(
                    "object tier size must be at least 0 bytes, was " + objectTierBytes);
        }
        this.objectTierBytes = objectTierBytes;
    }

    /** Every state at the given level, with the default object tier capacity. */
    public static StorageLevels all(StorageLevel level) {
        return new StorageLevels(level, Map.of(), DEFAULT_OBJECT_TIER_BYTES);
    }

    /** The estimated heap bytes the object tier may hold. */
    public long objectTierBytes() {
        return objectTierBytes;
    }

    /** The level of states without an override. */
    public StorageLevel defaultLevel() {
        return defaultLevel;
    }

    /** The levels set per state name. */
    public Map<String, StorageLevel> overrides() {
        return overrides;
    }

    public StorageLevel levelOf(String stateName) {
        return overrides.getOrDefault(stateName, defaultLevel);
    }

    /** Whether some state may use the object tier. */
    public boolean anyObjectTier() {
        return defaultLevel == StorageLevel.MEMORY_AND_DISK
                || overrides.containsValue(StorageLevel.MEMORY_AND_DISK);
    }

    @Override
    public String toString() {
        return "StorageLevels{default=" + defaultLevel + ", overrides=" + overrides
                + ", objectTierBytes=" + objectTierBytes + '}';
    }
}
