package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.KeyHash;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable list of live runs, newest first: the on-disk part of the store at one moment.
 *
 * <p>The store keeps a current version and swaps it on every spill ({@link #withNewest}) and
 * compaction ({@link #replace}); a snapshot or a scan {@link #retain() retains} the version it
 * started on and reads it undisturbed while newer versions come and go. A version holds one
 * reference on each of its runs and releases them when its own last reference goes, so a run file
 * lives exactly as long as some version, cursor or compaction still needs it.
 *
 * <p>Position is age: index 0 shadows index 1 and so on. Compaction replaces a contiguous slice
 * with one run at the same position, which keeps that order meaningful (merging non-adjacent
 * runs would let the output jump over a run it must stay older or newer than).
 *
 * <p>Reference counting is thread-safe; the version is created with one reference owned by its
 * creator.
 */
public final class RunVersion {

    private final List<Run> runs;
    private final AtomicInteger references = new AtomicInteger(1);

    private RunVersion(List<Run> newestFirst) {
        for (Run run : newestFirst) {
            run.retain();
        }
        this.runs = Collections.unmodifiableList(newestFirst);
    }

    /** A version without runs, with one reference. */
    public static RunVersion empty() {
        return new RunVersion(new ArrayList<>());
    }

    /**
     * A version of the given runs, newest first, with one reference; it takes its own reference on
     * each run (the caller keeps its own).
     */
    public static RunVersion of(List<Run> newestFirst) {
        return new RunVersion(new ArrayList<>(newestFirst));
    }

    /** The runs, newest first. Valid while the caller holds a reference on this version. */
    public List<Run> runs() {
        return runs;
    }

    public int size() {
        return runs.size();
    }

    /** Total file bytes of the runs. */
    /** Heap bytes the runs keep resident while open: bloom filters and block indexes. */
    public long residentBytes() {
        long bytes = 0;
        for (Run run : runs) {
            bytes += run.residentBytes();
        }
        return bytes;
    }

    public long sizeBytes() {
        long bytes = 0;
        for (Run run : runs) {
            bytes += run.sizeBytes();
        }
        return bytes;
    }

    /**
     * Offers the key's entries from this version's runs to the resolver, newest first, until the
     * resolution completes (a PUT or DELETE is reached). The caller offers newer sources, such as
     * the memtable, first and skips this call if they already completed it; afterwards {@link
     * EntryResolver#value()} is the key's value.
     */
    public void resolve(byte[] key, int keyLength, EntryResolver resolver) throws IOException {
        if (runs.isEmpty() || resolver.isComplete()) {
            return;
        }
        // One hash serves the bloom filters of every run.
        long hash = KeyHash.hash64(key, 0, keyLength);
        for (Run run : runs) {
            if (run.offerTo(key, keyLength, hash, resolver) && resolver.isComplete()) {
                return;
            }
        }
    }

    /**
     * A new version with {@code run} in front of this version's runs (the caller keeps its own
     * reference on {@code run}; the new version takes another).
     */
    public RunVersion withNewest(Run run) {
        List<Run> next = new ArrayList<>(runs.size() + 1);
        next.add(run);
        next.addAll(runs);
        return new RunVersion(next);
    }

    /**
     * A new version with {@code run} at {@code position} (0 is newest): below the {@code position}
     * newest runs, above all others. For a run whose entries are older than some runs installed
     * while it was written (the caller keeps its own reference on {@code run}).
     */
    public RunVersion withRunAt(int position, Run run) {
        if (position < 0 || position > runs.size()) {
            throw new IllegalArgumentException(
                    "Run position " + position + " outside 0.." + runs.size());
        }
        List<Run> next = new ArrayList<>(runs.size() + 1);
        next.addAll(runs.subList(0, position));
        next.add(run);
        next.addAll(runs.subList(position, runs.size()));
        return new RunVersion(next);
    }

    /**
     * A new version in which the contiguous runs {@code inputs} (newest first, as returned by a
     * compaction) are replaced by {@code output}, or simply removed when {@code output} is
     * {@code null} (everything in them resolved to nothing). Fails when the inputs are not a
     * contiguous slice of this version, which would mean a second compaction overlapped.
     */
    public RunVersion replace(List<Run> inputs, Run output) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("Compaction inputs are empty");
        }
        int start = runs.indexOf(inputs.get(0));
        if (start < 0 || start + inputs.size() > runs.size()
                || !runs.subList(start, start + inputs.size()).equals(inputs)) {
            throw new IllegalStateException(
                    "Compaction inputs " + inputs + " are not a contiguous slice of the current runs "
                            + runs + "; only one compaction may run at a time");
        }
        List<Run> next = new ArrayList<>(runs.size() - inputs.size() + 1);
        next.addAll(runs.subList(0, start));
        if (output != null) {
            next.add(output);
        }
        next.addAll(runs.subList(start + inputs.size(), runs.size()));
        return new RunVersion(next);
    }

    /** Adds a reference; returns this version. */
    public RunVersion retain() {
        int count;
        do {
            count = references.get();
            if (count <= 0) {
                throw new IllegalStateException("Run version was already released");
            }
        } while (!references.compareAndSet(count, count + 1));
        return this;
    }

    /** Drops a reference; the last one releases the version's runs. */
    public void release() {
        int remaining = references.decrementAndGet();
        if (remaining == 0) {
            for (Run run : runs) {
                run.release();
            }
        } else if (remaining < 0) {
            throw new IllegalStateException("Run version released more often than retained");
        }
    }

    @Override
    public String toString() {
        return "RunVersion" + runs;
    }
}
