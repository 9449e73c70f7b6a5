package dev.spillway.backend.config;

import static dev.spillway.backend.config.OptionChecks.invalid;
import static dev.spillway.backend.config.OptionChecks.read;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

import java.util.List;

/**
 * Options of the timer service ({@code spillway.timer-service.*}): where the keyed backend keeps
 * timers, as RocksDB's {@code state.backend.rocksdb.timer-service.*} options do for RocksDB.
 */
public final class TimerOptions {

    /** Where timers live. */
    public enum TimerServiceFactory {
        /** In the spillable store, inside the memory budget, spilled with the state. */
        SPILLWAY,
        /** In Flink's heap priority queues, on the JVM heap outside the budget. */
        HEAP
    }

    /** RocksDB's default for its per-key-group timer cache. */
    public static final int DEFAULT_CACHE_SIZE = 128;

    public static final ConfigOption<TimerServiceFactory> FACTORY =
            ConfigOptions.key("spillway.timer-service.factory")
                    .enumType(TimerServiceFactory.class)
                    .defaultValue(TimerServiceFactory.SPILLWAY)
                    .withDescription(
                            "Where the keyed backend keeps timers. SPILLWAY: in the spillable"
                                    + " store, serialized in its pages inside the managed-memory"
                                    + " budget and spilled to disk with the state, with a small"
                                    + " on-heap cache of each key group's earliest timers. HEAP:"
                                    + " in Flink's heap priority queues, outside the budget, as"
                                    + " the hashmap backend keeps them. Savepoints and"
                                    + " checkpoints of either restore into either.");

    public static final ConfigOption<Integer> CACHE_SIZE =
            ConfigOptions.key("spillway.timer-service.cache-size")
                    .intType()
                    .defaultValue(DEFAULT_CACHE_SIZE)
                    .withDescription(
                            "With the SPILLWAY timer service: how many of each key group's"
                                    + " earliest timers per timer queue are also kept on the heap,"
                                    + " from 1 to 65536. Larger caches reload from the store less"
                                    + " often, at the price of heap outside the budget (about 100"
                                    + " bytes a timer, times the key groups of the subtask).");

    public static final List<ConfigOption<?>> ALL = List.of(FACTORY, CACHE_SIZE);

    static final int MAX_CACHE_SIZE = 1 << 16;

    private TimerOptions() {}

    /** The timer service the configuration sets, or the fallback when it sets none. */
    public static TimerServiceFactory factory(
            ReadableConfig config, TimerServiceFactory fallback) {
        return readOptional(config, FACTORY, "SPILLWAY or HEAP", fallback);
    }

    /** The validated cache size the configuration sets, or the fallback when it sets none. */
    public static int cacheSize(ReadableConfig config, int fallback) {
        String accepted = "an integer from 1 to " + MAX_CACHE_SIZE;
        int size = readOptional(config, CACHE_SIZE, accepted, fallback);
        if (size < 1 || size > MAX_CACHE_SIZE) {
            throw invalid(CACHE_SIZE, size, accepted);
        }
        return size;
    }

    private static <T> T readOptional(
            ReadableConfig config, ConfigOption<T> option, String accepted, T fallback) {
        try {
            return config.getOptional(option).orElse(fallback);
        } catch (IllegalArgumentException e) {
            // Flink's parse failure ("ROCKSDB" for an enum): the message also says what is accepted.
            return read(config, option, accepted);
        }
    }
}
