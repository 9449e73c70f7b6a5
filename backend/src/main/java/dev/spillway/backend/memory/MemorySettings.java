package dev.spillway.backend.memory;

import java.time.Duration;
import java.util.Objects;

/**
 * The tunables of a {@link UnifiedMemoryManager}, already validated. The configuration layer builds
 * them from user options (and turns a violation into a Flink configuration error naming the
 * option); tests and benchmarks build them directly.
 */
public final class MemorySettings {

    /** Default share of the budget that execution cannot take back from storage (Spark's 0.5). */
    public static final double DEFAULT_STORAGE_FRACTION = 0.5;

    /**
     * Default page size: 32 KiB. {@code PageSizeBenchmark} (docs/memory.md) shows record appends
     * flat from 16 KiB to 256 KiB and 4 KiB clearly slower; random pointer reads were too noisy on
     * the shared benchmark machine to rank the sizes. Within the flat range, 32 KiB is Flink's own
     * memory segment size, and it keeps the unfilled tail of each consumer's last page small (16
     * KiB on average per consumer, which matters for slots with many small operators).
     */
    public static final int DEFAULT_PAGE_SIZE = 32 * 1024;

    /** Smallest page size: Flink's {@code MemoryManager.MIN_PAGE_SIZE}. */
    public static final int MIN_PAGE_SIZE = 4 * 1024;

    /** Largest page size; a page must stay addressable by an {@code int} offset. */
    public static final int MAX_PAGE_SIZE = 64 * 1024 * 1024;

    /** Default bound on how long an execution consumer below its fair share waits for memory. */
    public static final Duration DEFAULT_EXECUTION_WAIT_TIMEOUT = Duration.ofSeconds(30);

    private static final MemorySettings DEFAULTS =
            new MemorySettings(
                    DEFAULT_STORAGE_FRACTION, DEFAULT_PAGE_SIZE, DEFAULT_EXECUTION_WAIT_TIMEOUT);

    private final double storageFraction;
    private final int pageSize;
    private final Duration executionWaitTimeout;

    private MemorySettings(double storageFraction, int pageSize, Duration executionWaitTimeout) {
        if (!isValidStorageFraction(storageFraction)) {
            throw new IllegalArgumentException(
                    "storage fraction must be in [0.0, 1.0], was " + storageFraction);
        }
        if (!isValidPageSize(pageSize)) {
            throw new IllegalArgumentException(
                    "page size must be a power of two in ["
                            + MIN_PAGE_SIZE
                            + ", "
                            + MAX_PAGE_SIZE
                            + "] bytes, was "
                            + pageSize);
        }
        Objects.requireNonNull(executionWaitTimeout, "executionWaitTimeout");
        if (executionWaitTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "execution wait timeout must not be negative, was " + executionWaitTimeout);
        }
        this.storageFraction = storageFraction;
        this.pageSize = pageSize;
        this.executionWaitTimeout = executionWaitTimeout;
    }

    /** The defaults: storage fraction 0.5, 32 KiB pages, 30 s execution wait timeout. */
    public static MemorySettings defaults() {
        return DEFAULTS;
    }

    /** Returns a copy with the given storage fraction, in [0.0, 1.0]. */
    public MemorySettings withStorageFraction(double fraction) {
        return new MemorySettings(fraction, pageSize, executionWaitTimeout);
    }

    /** Returns a copy with the given page size, a power of two in [4 KiB, 64 MiB]. */
    public MemorySettings withPageSize(int bytes) {
        return new MemorySettings(storageFraction, bytes, executionWaitTimeout);
    }

    /** Returns a copy with the given execution wait timeout (zero: fail without waiting). */
    public MemorySettings withExecutionWaitTimeout(Duration timeout) {
        return new MemorySettings(storageFraction, pageSize, timeout);
    }

    public static boolean isValidStorageFraction(double fraction) {
        return fraction >= 0.0 && fraction <= 1.0;
    }

    public static boolean isValidPageSize(int bytes) {
        return bytes >= MIN_PAGE_SIZE && bytes <= MAX_PAGE_SIZE && Integer.bitCount(bytes) == 1;
    }

    /** Share of the budget protected from execution's reclaiming, in [0.0, 1.0]. */
    public double storageFraction() {
        return storageFraction;
    }

    /** Size in bytes of a standard page. */
    public int pageSize() {
        return pageSize;
    }

    /** How long an execution consumer below 1/2N of execution memory waits before failing. */
    public Duration executionWaitTimeout() {
        return executionWaitTimeout;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof MemorySettings)) {
            return false;
        }
        MemorySettings that = (MemorySettings) other;
        return Double.compare(storageFraction, that.storageFraction) == 0
                && pageSize == that.pageSize
                && executionWaitTimeout.equals(that.executionWaitTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(storageFraction, pageSize, executionWaitTimeout);
    }

    @Override
    public String toString() {
        return "MemorySettings{storageFraction="
                + storageFraction
                + ", pageSize="
                + pageSize
                + ", executionWaitTimeout="
                + executionWaitTimeout
                + '}';
    }
}
