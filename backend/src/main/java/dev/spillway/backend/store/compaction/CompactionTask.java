package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.run.MergedInput;
import dev.spillway.backend.store.run.MergingCursor;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunCursor;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;
import dev.spillway.backend.store.run.RunWriter;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One merge of a contiguous slice of runs into a single new run, planned by {@link Compactor}.
 *
 * <p><b>Life cycle.</b> The task holds a reference on each input from planning until {@link
 * #close()}, so the inputs stay readable whatever versions come and go. {@link #run()} does the
 * I/O and may be called on any thread; {@link #applyTo} builds the version that uses the output,
 * to be installed by the store on its own terms; {@link #close()} drops the task's references (the
 * inputs' files disappear once no version or reader needs them).
 *
 * <p><b>Failure.</b> If {@link #run()} fails — full disk, I/O error, corrupt input, {@link
 * #cancel()} — the partial output is deleted, the inputs are untouched and still referenced by the
 * store's version, and the exception says what happened. Nothing is lost; the store may retry
 * later.
 */
public final class CompactionTask implements Closeable {

    /** How often (in entries) the merge loop checks for cancellation. */
    private static final int CANCEL_CHECK_INTERVAL = 1024;

    private final RunDirectory directory;
    private final List<Run> inputs;
    private final boolean includesOldest;
    private final CompactionFilter filter;

    private volatile boolean cancelled;
    private boolean ran;
    private boolean succeeded;
    private boolean closed;
    private Run output;
    private long entriesRead;
    private long entriesWritten;
    private long entriesDropped;

    CompactionTask(RunDirectory directory, List<Run> inputs, boolean includesOldest, CompactionFilter filter) {
        this.directory = directory;
        this.inputs = Collections.unmodifiableList(inputs);
        this.includesOldest = includesOldest;
        this.filter = filter;
        for (Run input : inputs) {
            input.retain();
        }
    }

    /** The runs being merged, newest first. */
    public List<Run> inputs() {
        return inputs;
    }

    /** Whether the inputs reach down to the oldest run, so tombstones can be dropped. */
    public boolean includesOldest() {
        return includesOldest;
    }

    /**
     * Merges the inputs into the output run. Returns the output, or {@code null} when every entry
     * resolved to nothing (all deleted or filtered); either way {@link #applyTo} is then valid.
     */
    public Run run() throws IOException {
        if (ran || closed) {
            throw new IllegalStateException("A compaction task runs once, before it is closed");
        }
        ran = true;
        long expectedEntries = 0;
        List<RunCursor> cursors = new ArrayList<>(inputs.size());
        // The merge owns the cursor list from the start, so closing it also closes the cursors
        // opened before a failure to open the next one.
        try (MergingCursor merged = new MergingCursor(cursors, includesOldest)) {
            for (Run input : inputs) {
                expectedEntries += input.entryCount();
                cursors.add(input.scan(new byte[0], false));
            }
            output = merge(merged, expectedEntries);
            recordLineage();
        } catch (IOException e) {
            throw new IOException("Compaction of " + inputs + " failed: " + e.getMessage()
                    + " The input runs are intact and the store stays readable.", e);
        }
        long inputBytes = 0;
        for (Run input : inputs) {
            inputBytes += input.sizeBytes();
        }
        directory.statistics().recordCompactionInput(inputBytes);
        succeeded = true;
        return output;
    }

    private Run merge(MergingCursor merged, long expectedEntries) throws IOException {
        try (RunWriter writer = directory.newWriter(expectedEntries, RunWriter.Purpose.COMPACTION)) {
            byte[] empty = new byte[0];
            while (merged.next()) {
                if (++entriesRead % CANCEL_CHECK_INTERVAL == 0 && cancelled) {
                    throw new InterruptedIOException("compaction was cancelled");
                }
                byte[] key = merged.key();
                EntryKind kind = merged.kind();
                byte[] value = merged.value();
                if (kind == EntryKind.PUT && filter.drop(key, value)) {
                    entriesDropped++;
                    if (includesOldest) {
                        continue;
                    }
                    kind = EntryKind.DELETE;
                    value = empty;
                }
                writer.add(key, kind, value);
                entriesWritten++;
            }
            return writer.entryCount() == 0 ? null : writer.finish();
        }
    }

    /**
     * An output that holds exactly what its inputs resolve to (the filter dropped nothing, no input
     * was fenced) names them: a checkpoint may then refer to their uploads instead of uploading it.
     * Tombstones dropped at the bottom change nothing there, since the inputs' tombstones hide
     * nothing older either.
     */
    private void recordLineage() {
        if (output == null || entriesDropped > 0) {
            return;
        }
        List<MergedInput> lineage = new ArrayList<>(inputs.size());
        for (Run input : inputs) {
            if (input.fence() != null) {
                return;
            }
            lineage.add(
                    new MergedInput(
                            input.name(), input.sizeBytes(), input.entryCount(), input.origin()));
        }
        output.recordMergedFrom(lineage);
    }

    /**
     * Heap bytes the merge will hold at most (apart from entries larger than a block): a cursor
     * (read-ahead buffer and decoded block) per input plus the output writer. The store reserves this from the
     * execution pool for the duration of {@link #run()}.
     */
    public long memoryEstimate() {
        long expectedEntries = 0;
        for (Run input : inputs) {
            expectedEntries += input.entryCount();
        }
        long perInput = RunCursor.memoryBytes(directory.options());
        return inputs.size() * perInput + directory.writerMemory(expectedEntries);
    }

    /** Asks a running merge to stop soon; {@link #run()} then fails with an I/O exception. */
    public void cancel() {
        cancelled = true;
    }

    /**
     * The version that replaces the inputs by the output in {@code current}, which may have gained
     * newer runs since planning. The caller owns the returned version's reference.
     */
    public RunVersion applyTo(RunVersion current) {
        if (!succeeded || closed) {
            throw new IllegalStateException("Apply a compaction after run() succeeded and before close()");
        }
        return current.replace(inputs, output);
    }

    /** The merged run, or {@code null} when it had no entries or the task has not run. */
    public Run output() {
        return output;
    }

    /** Resolved entries produced by the merge (before the filter). */
    public long entriesRead() {
        return entriesRead;
    }

    /** Entries written to the output. */
    public long entriesWritten() {
        return entriesWritten;
    }

    /** Entries the filter dropped. */
    public long entriesDropped() {
        return entriesDropped;
    }

    /** Releases the task's references on the inputs and the output. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Run input : inputs) {
            input.release();
        }
        if (output != null) {
            output.release();
        }
    }
}
