package dev.spillway.backend.config;

import static dev.spillway.backend.config.OptionChecks.invalid;
import static dev.spillway.backend.config.OptionChecks.read;

import dev.spillway.backend.state.StorageLevel;
import dev.spillway.backend.state.StorageLevels;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Options of the state layer ({@code spillway.state.*}): the storage level of each state, in
 * Spark's vocabulary, and the heap the object tier may take.
 */
public final class StateOptions {

    private static final String LEVELS = Arrays.toString(StorageLevel.values());

    public static final ConfigOption<StorageLevel> STORAGE_LEVEL =
            ConfigOptions.key("spillway.state.storage-level")
                    .enumType(StorageLevel.class)
                    .defaultValue(StorageLevel.MEMORY_AND_DISK)
                    .withDescription(
                            "How states keep their values, as Spark's storage levels."
                                    + " MEMORY_AND_DISK: Value, Reducing and Aggregating states also"
                                    + " keep their hot values"
                                    + " as objects on the heap (the object tier, bounded by"
                                    + " spillway.state.object-tier.size), in front of the"
                                    + " serialized off-heap pages that spill to disk; reads of"
                                    + " them deserialize nothing and updates serialize only when"
                                    + " the object leaves the tier or a checkpoint is taken; the"
                                    + " backend then hands out stored objects as the hashmap"
                                    + " backend does. MEMORY_AND_DISK_SER: serialized values"
                                    + " only, every read deserializes a fresh copy. List and Map"
                                    + " states and queryable states always keep the serialized"
                                    + " level.");

    public static final ConfigOption<Map<String, String>> STORAGE_LEVEL_OVERRIDES =
            ConfigOptions.key("spillway.state.storage-level.overrides")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Storage levels of single states by state name, overriding"
                                    + " spillway.state.storage-level, e.g."
                                    + " 'clicks:MEMORY_AND_DISK_SER,totals:MEMORY_AND_DISK'.");

    public static final ConfigOption<MemorySize> OBJECT_TIER_SIZE =
            ConfigOptions.key("spillway.state.object-tier.size")
                    .memoryType()
                    .defaultValue(new MemorySize(StorageLevels.DEFAULT_OBJECT_TIER_BYTES))
                    .withDescription(
                            "Heap that each keyed backend's object tier may hold, estimated as"
                                    + " each entry's serialized size times two plus 64 bytes and"
                                    + " its key. It is JVM heap (task heap), outside the managed"
                                    + " memory that holds the serialized state; 0 keeps no"
                                    + " objects.");

    public static final List<ConfigOption<?>> ALL =
            List.of(STORAGE_LEVEL, STORAGE_LEVEL_OVERRIDES, OBJECT_TIER_SIZE);

    private StateOptions() {}

    /** The storage levels the configuration sets, or the fallback's for what it does not set. */
    public static StorageLevels storageLevels(ReadableConfig config, StorageLevels fallback) {
        StorageLevel defaultLevel =
                config.getOptional(STORAGE_LEVEL).isPresent()
                        ? read(config, STORAGE_LEVEL, "one of " + LEVELS)
                        : fallback.defaultLevel();
        Map<String, StorageLevel> overrides = new HashMap<>(fallback.overrides());
        if (config.getOptional(STORAGE_LEVEL_OVERRIDES).isPresent()) {
            overrides.clear();
            for (Map.Entry<String, String> entry :
                    read(config, STORAGE_LEVEL_OVERRIDES, "state-name:LEVEL pairs").entrySet()) {
                overrides.put(entry.getKey(), level(entry.getKey(), entry.getValue()));
            }
        }
        long tierBytes =
                config.getOptional(OBJECT_TIER_SIZE).isPresent()
                        ? read(config, OBJECT_TIER_SIZE, "a memory size such as 32mb").getBytes()
                        : fallback.objectTierBytes();
        return new StorageLevels(defaultLevel, overrides, tierBytes);
    }

    private static StorageLevel level(String stateName, String value) {
        try {
            return StorageLevel.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(
                    STORAGE_LEVEL_OVERRIDES,
                    stateName + ":" + value,
                    "a level out of " + LEVELS + " for each state");
        }
    }
}
