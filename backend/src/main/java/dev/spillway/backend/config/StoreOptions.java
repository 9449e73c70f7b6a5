package dev.spillway.backend.config;

import static dev.spillway.backend.config.OptionChecks.invalid;
import static dev.spillway.backend.config.OptionChecks.read;

import dev.spillway.backend.store.StoreSettings;
import dev.spillway.backend.store.run.BlockCompression;
import dev.spillway.backend.store.run.RunFormatOptions;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Options of the spillable store ({@code spillway.store.*}): where cold state is spilled, the
 * format of the run files, compaction and the block cache.
 */
public final class StoreOptions {

    /** The subdirectory of a temporary directory that stores spill into by default. */
    static final String DEFAULT_SPILL_SUBDIRECTORY = "spillway";

    public static final ConfigOption<String> SPILL_DIRECTORY =
            ConfigOptions.key("spillway.store.spill-directory")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Local directory under which each keyed backend creates its own spill"
                                    + " directory for sorted runs of evicted state. Defaults to a"
                                    + " 'spillway' subdirectory of one of Flink's io.tmp.dirs"
                                    + " (chosen per backend, so several disks share the load)."
                                    + " Spill files are deleted when the backend closes and are"
                                    + " never needed for recovery; use a fast local disk.");

    public static final ConfigOption<MemorySize> BLOCK_SIZE =
            ConfigOptions.key("spillway.store.block-size")
                    .memoryType()
                    .defaultValue(new MemorySize(RunFormatOptions.DEFAULT_BLOCK_SIZE))
                    .withDescription(
                            "Uncompressed size of a data block of the run files, from 1 kb to"
                                    + " 16 mb: the unit of disk reads, checksums and the block"
                                    + " cache. Smaller blocks make point reads of evicted state"
                                    + " cheaper; larger blocks compress better and scan faster.");

    public static final ConfigOption<BlockCompression> COMPRESSION =
            ConfigOptions.key("spillway.store.compression")
                    .enumType(BlockCompression.class)
                    .defaultValue(BlockCompression.LZ4)
                    .withDescription(
                            "Compression of run file blocks: LZ4 (written with lz4-java, shipped"
                                    + " with Flink; read by the Spillway decoder) or NONE."
                                    + " Composite keys repeat long prefixes, so LZ4 usually"
                                    + " halves spill I/O for little CPU.");

    public static final ConfigOption<Double> BLOOM_FALSE_POSITIVE_RATE =
            ConfigOptions.key("spillway.store.bloom-false-positive-rate")
                    .doubleType()
                    .defaultValue(RunFormatOptions.DEFAULT_BLOOM_FALSE_POSITIVE_RATE)
                    .withDescription(
                            "Target false-positive rate of each run's bloom filter, in"
                                    + " [0.0001, 0.5]: the share of reads of absent keys that"
                                    + " still read a block. 0.01 costs about 10 bits per key.");

    public static final ConfigOption<Integer> COMPACTION_TRIGGER =
            ConfigOptions.key("spillway.store.compaction-trigger")
                    .intType()
                    .defaultValue(StoreSettings.DEFAULT_COMPACTION_TRIGGER)
                    .withDescription(
                            "The fewest runs of similar size that are merged by a background"
                                    + " compaction, from 2 to 64. Lower values bound read"
                                    + " amplification more tightly at the price of rewriting"
                                    + " spilled state more often.");

    public static final ConfigOption<MemorySize> BLOCK_CACHE_SIZE =
            ConfigOptions.key("spillway.store.block-cache-size")
                    .memoryType()
                    .defaultValue(new MemorySize(StoreSettings.DEFAULT_BLOCK_CACHE_BYTES))
                    .withDescription(
                            "Most memory each keyed backend's cache of decoded run blocks may"
                                    + " use (0 disables it). The cache takes free memory of the"
                                    + " storage pool for any block; a block read often recently"
                                    + " may also evict colder in-memory state to disk, until"
                                    + " cached blocks hold a quarter of the backend's cached"
                                    + " blocks plus memtable pages."
                                    + " Execution memory takes cached blocks back first.");

    private static final int MAX_COMPACTION_TRIGGER = 64;

    /** Every option of this class, for code that must handle all of them (copying, docs). */
    public static final List<ConfigOption<?>> ALL =
            List.of(
                    SPILL_DIRECTORY,
                    BLOCK_SIZE,
                    COMPRESSION,
                    BLOOM_FALSE_POSITIVE_RATE,
                    COMPACTION_TRIGGER,
                    BLOCK_CACHE_SIZE);

    private StoreOptions() {}

    /**
     * Reads and validates the store options.
     *
     * @param tmpDirectories Flink's {@code io.tmp.dirs} of this task manager, for the default spill
     *     directory
     * @param owner a name of the backend (e.g. the operator id), which picks one of the temporary
     *     directories so backends spread over disks
     * @throws IllegalConfigurationException naming the option and its accepted range
     */
    public static StoreSettings settingsFrom(
            ReadableConfig config, String[] tmpDirectories, String owner) {
        StoreSettings settings = StoreSettings.defaults(spillParent(config, tmpDirectories, owner));

        String blockSizeRange =
                "a size from "
                        + (RunFormatOptions.MIN_BLOCK_SIZE >> 10)
                        + " kb to "
                        + (RunFormatOptions.MAX_BLOCK_SIZE >> 20)
                        + " mb";
        long blockBytes = read(config, BLOCK_SIZE, blockSizeRange).getBytes();
        if (blockBytes < RunFormatOptions.MIN_BLOCK_SIZE
                || blockBytes > RunFormatOptions.MAX_BLOCK_SIZE) {
            throw invalid(BLOCK_SIZE, blockBytes + " bytes", blockSizeRange);
        }

        String rateRange = "a number in [0.0001, 0.5]";
        double rate = read(config, BLOOM_FALSE_POSITIVE_RATE, rateRange);
        if (!(rate >= 0.0001 && rate <= 0.5)) {
            throw invalid(BLOOM_FALSE_POSITIVE_RATE, rate, rateRange);
        }

        RunFormatOptions format =
                RunFormatOptions.defaults()
                        .withBlockSize((int) blockBytes)
                        .withCompression(read(config, COMPRESSION, "NONE or LZ4"))
                        .withBloomFalsePositiveRate(rate);

        String triggerRange =
                "an integer from "
                        + StoreSettings.MIN_COMPACTION_TRIGGER
                        + " to "
                        + MAX_COMPACTION_TRIGGER;
        int trigger = read(config, COMPACTION_TRIGGER, triggerRange);
        if (trigger < StoreSettings.MIN_COMPACTION_TRIGGER || trigger > MAX_COMPACTION_TRIGGER) {
            throw invalid(COMPACTION_TRIGGER, trigger, triggerRange);
        }

        String cacheRange = "a size of at least 0 bytes";
        long cacheBytes = read(config, BLOCK_CACHE_SIZE, cacheRange).getBytes();

        return settings.withRunFormat(format)
                .withCompactionTrigger(trigger)
                .withBlockCacheBytes(cacheBytes);
    }

    private static Path spillParent(ReadableConfig config, String[] tmpDirectories, String owner) {
        String configured = read(config, SPILL_DIRECTORY, "a local directory path");
        String parent;
        if (configured != null) {
            if (configured.isBlank()) {
                throw invalid(SPILL_DIRECTORY, "(blank)", "a local directory path");
            }
            parent = configured;
        } else {
            if (tmpDirectories == null || tmpDirectories.length == 0) {
                throw new IllegalConfigurationException(
                        "No spill directory: set '"
                                + SPILL_DIRECTORY.key()
                                + "' or Flink's io.tmp.dirs to a local directory.");
            }
            String tmp = tmpDirectories[Math.floorMod(owner.hashCode(), tmpDirectories.length)];
            parent = Paths.get(tmp, DEFAULT_SPILL_SUBDIRECTORY).toString();
        }
        try {
            return Paths.get(parent);
        } catch (InvalidPathException e) {
            throw invalid(SPILL_DIRECTORY, parent, "a local directory path");
        }
    }
}
