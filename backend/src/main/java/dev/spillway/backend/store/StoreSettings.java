package dev.spillway.backend.store;

import dev.spillway.backend.store.run.RunFormatOptions;
import dev.spillway.backend.store.run.RunOutput;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The tunables of a {@link SpillableStore}, already validated. The configuration layer builds them
 * from {@code spillway.store.*} options; tests and benchmarks build them directly.
 */
public final class StoreSettings {

    /** Default number of runs that triggers a compaction of all of them. */
    public static final int DEFAULT_COMPACTION_TRIGGER = 4;

    /** Smallest compaction trigger: one run has nothing to merge with. */
    public static final int MIN_COMPACTION_TRIGGER = 2;

    private final Path spillParent;
    private final RunFormatOptions runFormat;
    private final int compactionTrigger;
    private final RunOutput.Factory outputs;

    private StoreSettings(
            Path spillParent,
            RunFormatOptions runFormat,
            int compactionTrigger,
            RunOutput.Factory outputs) {
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
        this.outputs = Objects.requireNonNull(outputs, "outputs");
    }

    /** Default settings spilling under the given parent directory. */
    public static StoreSettings defaults(Path spillParent) {
        return new StoreSettings(
                spillParent,
                RunFormatOptions.defaults(),
                DEFAULT_COMPACTION_TRIGGER,
                RunOutput.FILES);
    }

    public StoreSettings withRunFormat(RunFormatOptions format) {
        return new StoreSettings(spillParent, format, compactionTrigger, outputs);
    }

    public StoreSettings withCompactionTrigger(int runs) {
        return new StoreSettings(spillParent, runFormat, runs, outputs);
    }

    /** Writes run files through the given outputs: tests inject full disks here. */
    StoreSettings withOutputs(RunOutput.Factory factory) {
        return new StoreSettings(spillParent, runFormat, compactionTrigger, factory);
    }

    /** The directory under which the store creates its own spill directory. */
    public Path spillParent() {
        return spillParent;
    }

    public RunFormatOptions runFormat() {
        return runFormat;
    }

    /** Runs on disk at which all of them are merged into one. */
    public int compactionTrigger() {
        return compactionTrigger;
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
                + '}';
    }
}
