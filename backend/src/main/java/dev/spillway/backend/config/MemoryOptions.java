package dev.spillway.backend.config;

import static dev.spillway.backend.config.OptionChecks.invalid;
import static dev.spillway.backend.config.OptionChecks.read;

import dev.spillway.backend.memory.MemorySettings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

import java.time.Duration;
import java.util.List;

/**
 * Options of Spillway's unified memory manager ({@code spillway.memory.*}). The budget itself is
 * not an option: it is the slot's managed memory share for the state backend, sized by Flink's
 * {@code taskmanager.memory.managed.*} (see docs/memory.md).
 */
public final class MemoryOptions {

    public static final ConfigOption<Double> STORAGE_FRACTION =
            ConfigOptions.key("spillway.memory.storage-fraction")
                    .doubleType()
                    .defaultValue(MemorySettings.DEFAULT_STORAGE_FRACTION)
                    .withDescription(
                            "Share of Spillway's memory budget, in [0.0, 1.0], that is protected"
                                + " for storage (in-memory state, cached run blocks, run indexes)."
                                + " Execution memory (the sort, merge and writer buffers of"
                                + " evictions, compactions and snapshots) can take back storage"
                                + " only above this floor, and never evicts the state of the"
                                + " backend whose work it is; storage may still grow beyond the"
                                + " floor into free execution memory. Spark's"
                                + " spark.memory.storageFraction.");

    public static final ConfigOption<MemorySize> PAGE_SIZE =
            ConfigOptions.key("spillway.memory.page-size")
                    .memoryType()
                    .defaultValue(new MemorySize(MemorySettings.DEFAULT_PAGE_SIZE))
                    .withDescription(
                            "Size of the off-heap pages that hold state and buffers: a power of"
                                    + " two from 4 kb to 64 mb. Each keyed backend holds at least"
                                    + " one partly filled page, so small pages suit many small"
                                    + " operators per slot; records larger than a page get a"
                                    + " dedicated page of their own size.");

    public static final ConfigOption<Duration> EXECUTION_WAIT_TIMEOUT =
            ConfigOptions.key("spillway.memory.execution-wait-timeout")
                    .durationType()
                    .defaultValue(MemorySettings.DEFAULT_EXECUTION_WAIT_TIMEOUT)
                    .withDescription(
                            "How long a memory request may wait: an execution request of a"
                                    + " consumer holding less than 1/2N of execution memory (N"
                                    + " active execution consumers in the slot) waits for others"
                                    + " to release memory (Spillway's own buffers never wait: they"
                                    + " go on with what they got), and any request whose"
                                    + " victims belong to backends busy with their own requests"
                                    + " waits for those to end. 0 never waits.");

    /** Every option of this class, for code that must handle all of them (copying, docs). */
    public static final List<ConfigOption<?>> ALL =
            List.of(STORAGE_FRACTION, PAGE_SIZE, EXECUTION_WAIT_TIMEOUT);

    private MemoryOptions() {}

    /**
     * Reads and validates the memory options.
     *
     * @throws IllegalConfigurationException naming the option and its accepted range
     */
    public static MemorySettings settingsFrom(ReadableConfig config) {
        double storageFraction = read(config, STORAGE_FRACTION, "a number in [0.0, 1.0]");
        if (!MemorySettings.isValidStorageFraction(storageFraction)) {
            throw invalid(STORAGE_FRACTION, storageFraction, "a number in [0.0, 1.0]");
        }

        String pageSizeRange =
                "a power of two from "
                        + (MemorySettings.MIN_PAGE_SIZE >> 10)
                        + " kb to "
                        + (MemorySettings.MAX_PAGE_SIZE >> 20)
                        + " mb";
        MemorySize pageSize = read(config, PAGE_SIZE, pageSizeRange);
        long pageBytes = pageSize.getBytes();
        if (pageBytes > Integer.MAX_VALUE || !MemorySettings.isValidPageSize((int) pageBytes)) {
            throw invalid(PAGE_SIZE, pageBytes + " bytes", pageSizeRange);
        }

        Duration waitTimeout =
                read(config, EXECUTION_WAIT_TIMEOUT, "a non-negative duration, e.g. 30 s");
        if (waitTimeout.isNegative()) {
            throw invalid(
                    EXECUTION_WAIT_TIMEOUT, waitTimeout, "a non-negative duration, e.g. 30 s");
        }

        return MemorySettings.defaults()
                .withStorageFraction(storageFraction)
                .withPageSize((int) pageBytes)
                .withExecutionWaitTimeout(waitTimeout);
    }
}
