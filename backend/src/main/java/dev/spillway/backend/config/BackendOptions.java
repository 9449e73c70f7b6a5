package dev.spillway.backend.config;

import dev.spillway.backend.store.StoreSettings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.ReadableConfig;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Options of the Spillway state backend and its store ({@code spillway.local-dirs}, {@code
 * spillway.store.*}). Memory options are in {@link MemoryOptions}.
 */
public final class BackendOptions {

    public static final ConfigOption<List<String>> LOCAL_DIRECTORIES =
            ConfigOptions.key("spillway.local-dirs")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Absolute local directories where keyed backends write the sorted runs"
                                    + " of evicted state, separated by ';'. Each keyed backend"
                                    + " picks one and creates its own sub-directory, deleted on"
                                    + " close. Unset: the TaskManager's temporary directories"
                                    + " (io.tmp.dirs). Put them on fast local disks with room"
                                    + " for the state that does not fit in managed memory.");

    public static final ConfigOption<Integer> COMPACTION_TRIGGER =
            ConfigOptions.key("spillway.store.compaction-trigger")
                    .intType()
                    .defaultValue(StoreSettings.DEFAULT_COMPACTION_TRIGGER)
                    .withDescription(
                            "Number of sorted runs of similar size on disk that makes a keyed"
                                    + " backend merge them into one (at least "
                                    + StoreSettings.MIN_COMPACTION_TRIGGER
                                    + "). Lower values bound the runs a read may visit; higher"
                                    + " values write less.");

    private BackendOptions() {}

    /**
     * The configured spill directories, or an empty list for the TaskManager's defaults.
     *
     * @throws IllegalConfigurationException naming the option when a path is not absolute
     */
    public static List<Path> localDirectories(ReadableConfig config) {
        List<String> configured = config.getOptional(LOCAL_DIRECTORIES).orElse(null);
        if (configured == null) {
            return Collections.emptyList();
        }
        List<Path> paths = new ArrayList<>(configured.size());
        for (String value : configured) {
            Path path;
            try {
                path = Paths.get(value.trim());
            } catch (InvalidPathException e) {
                throw invalid(LOCAL_DIRECTORIES, value, "absolute directory paths", e);
            }
            if (value.trim().isEmpty() || !path.isAbsolute()) {
                throw invalid(LOCAL_DIRECTORIES, value, "absolute directory paths", null);
            }
            paths.add(path);
        }
        return paths;
    }

    /**
     * The configured compaction trigger.
     *
     * @throws IllegalConfigurationException naming the option and its range when out of range
     */
    public static int compactionTrigger(ReadableConfig config) {
        String accepted = "an integer of at least " + StoreSettings.MIN_COMPACTION_TRIGGER;
        int trigger;
        try {
            trigger = config.get(COMPACTION_TRIGGER);
        } catch (IllegalArgumentException e) {
            throw invalid(COMPACTION_TRIGGER, e.getMessage(), accepted, e);
        }
        if (trigger < StoreSettings.MIN_COMPACTION_TRIGGER) {
            throw invalid(COMPACTION_TRIGGER, trigger, accepted, null);
        }
        return trigger;
    }

    private static IllegalConfigurationException invalid(
            ConfigOption<?> option, Object value, String accepted, Throwable cause) {
        return new IllegalConfigurationException(
                "Invalid value '"
                        + value
                        + "' for '"
                        + option.key()
                        + "': expected "
                        + accepted
                        + ".",
                cause);
    }
}
