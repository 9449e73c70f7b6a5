package dev.spillway.backend.store;

import dev.spillway.backend.store.run.RunFormatOptions;
import dev.spillway.backend.store.run.RunOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The tunables of a {@link SpillableStore}, already validated. The configuration layer builds them
 * from {@code spillway.store.*} options; tests and benchmarks build them directly.
 */
public final class StoreSettings {

    /** Default number of runs that makes a compaction due (the policy's merge width). */
    public static final int DEFAULT_COMPACTION_TRIGGER = 4;

    /** Smallest compaction trigger: one run has nothing to merge with. */
    public static final int MIN_COMPACTION_TRIGGER = 2;

    /** Default capacity of the block cache of decoded run blocks. */
    public static final long DEFAULT_BLOCK_CACHE_BYTES = 16L << 20;

    private final Path spillParent;
    private final RunFormatOptions runFormat;
    private final int compactionTrigger;
    private final long blockCacheBytes;
    private final RunOutput.Factory outputs;
    private final boolean evictAhead;

    private StoreSettings(
            Path spillParent,
            RunFormatOptions runFormat,
            int compactionTrigger,
            long blockCacheBytes,
            RunOutput.Factory outputs,
            boolean evictAhead) {
        this.spillParent = Objects.requireNonNull(spillParent, "spillParent");
        this.runFormat = Objects.requireNonNull(runFormat, "runFormat");
        if (compactionTrigger < MIN_COMPACTION_TRIGGER) {
            throw new IllegalArgumentException(
                    "compaction trigger must be at least "
                            + MIN_COMPACTION_TRIGGER
                            + " runs, was "
                            + compactionTrigger);
        }
        this.compactionTrigger = compactionTrigger;
        if (blockCacheBytes < 0) {
            throw new IllegalArgumentException(
                    "block cache size must be at least 0 bytes, was " + blockCacheBytes);
        }
        this.blockCacheBytes = blockCacheBytes;
        this.outputs = Objects.requireNonNull(outputs, "outputs");
        this.evictAhead = evictAhead;
    }

    /**
     * Run files without fsync. Spill files never need to survive a crash: the spill directory is
     * private to one store instance, deleted on close, and a restarted task restores from its
     * checkpoint, never from spill files. Forcing every spill to the device would only put a disk
     * flush on the eviction path, which the memory manager may be waiting on; the same goes for
     * the directory fsync after each rename, which a JFR profile showed on every checkpoint's
     * persist step.
     */
    static final RunOutput.Factory UNSYNCED_FILES =
            new RunOutput.Factory() {
                @Override
                public RunOutput create(Path file) throws IOException {
                    RunOutput output = RunOutput.FILES.create(file);
                    return new RunOutput() {
                        @Override
                        public void write(ByteBuffer bytes) throws IOException {
                            output.write(bytes);
                        }

                        @Override
                        public void sync() {}

                        @Override
                        public void close() throws IOException {
                            output.close();
                        }
                    };
                }

                @Override
                public boolean durable() {
                    return false;
                }
            };

    /** Default settings spilling under the given parent directory. */
    public static StoreSettings defaults(Path spillParent) {
        return new StoreSettings(
                spillParent,
                RunFormatOptions.defaults(),
                DEFAULT_COMPACTION_TRIGGER,
                DEFAULT_BLOCK_CACHE_BYTES,
                UNSYNCED_FILES,
                true);
    }

    public StoreSettings withRunFormat(RunFormatOptions format) {
        return new StoreSettings(
                spillParent, format, compactionTrigger, blockCacheBytes, outputs, evictAhead);
    }

    public StoreSettings withCompactionTrigger(int runs) {
        return new StoreSettings(spillParent, runFormat, runs, blockCacheBytes, outputs, evictAhead);
    }

    /** A block cache of at most this many decoded bytes; 0 disables it. */
    public StoreSettings withBlockCacheBytes(long bytes) {
        return new StoreSettings(
                spillParent, runFormat, compactionTrigger, bytes, outputs, evictAhead);
    }

    /** Writes run files through the given outputs: tests inject full disks here. */
    StoreSettings withOutputs(RunOutput.Factory factory) {
        return new StoreSettings(
                spillParent, runFormat, compactionTrigger, blockCacheBytes, factory, evictAhead);
    }

    /**
     * Whether the store evicts ahead of need on a background thread (the default) or only when an
     * allocation runs short. Off for tests that measure how the memtable and the block cache
     * compete for a full budget.
     */
    public StoreSettings withEvictionAhead(boolean enabled) {
        return new StoreSettings(
                spillParent, runFormat, compactionTrigger, blockCacheBytes, outputs, enabled);
    }

    public boolean evictsAhead() {
        return evictAhead;
    }

    /** The directory under which the store creates its own spill directory. */
    public Path spillParent() {
        return spillParent;
    }

    public RunFormatOptions runFormat() {
        return runFormat;
    }

    /** The fewest runs a compaction merges; below it nothing is merged. */
    public int compactionTrigger() {
        return compactionTrigger;
    }

    public long blockCacheBytes() {
        return blockCacheBytes;
    }

    RunOutput.Factory outputs() {
        return outputs;
    }

    @Override
    public String toString() {
        return "StoreSettings{spillParent="
                + spillParent
                + ", runFormat="
                + runFormat
                + ", compactionTrigger="
                + compactionTrigger
                + ", blockCacheBytes="
                + blockCacheBytes
                + '}';
    }
}
