package dev.spillway.backend.store.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open, immutable run file with a reference count.
 *
 * <p><b>References.</b> {@link RunWriter#finish()} returns a run with one reference, owned by the
 * caller. Everything that must keep the file while it works — a {@link RunVersion}, a cursor, a
 * snapshot, a compaction — takes its own with {@link #retain()} and gives it back with {@link
 * #release()}. When the last reference is released the file is closed and deleted. Retaining a
 * run whose count already reached zero is a bug and fails.
 *
 * <p>Reads ({@link #get}, cursors) are thread-safe; they need the caller to hold a reference for
 * their whole duration.
 */
public final class Run {

    private final long id;
    private final RunReader reader;
    private final RunDirectory directory;
    private final AtomicInteger references = new AtomicInteger(1);
    private final String name;
    private final RunWriter.Purpose origin;
    /** Set once, when an adopted run holds more key groups than its store owns; else null. */
    private volatile KeyGroupFence fence;
    /** Set once, by the compaction that wrote the run when it is exactly its inputs' merge. */
    private volatile List<MergedInput> mergedFrom = List.of();

    Run(long id, RunReader reader, RunDirectory directory, RunWriter.Purpose origin) {
        this(id, reader, directory, directory.path().getFileName() + "-" + id, origin);
    }

    /** A run that keeps the name it had elsewhere (adopted from a checkpoint). */
    Run(long id, RunReader reader, RunDirectory directory, String name, RunWriter.Purpose origin) {
        this.id = id;
        this.reader = reader;
        this.directory = directory;
        this.name = name;
        this.origin = origin;
    }

    /** The run's number in its directory, unique and increasing in creation order. */
    public long id() {
        return id;
    }

    /**
     * The run's identity beyond its directory: unique among all runs of all stores of this
     * process's spill directories (a directory name is unique under its parent), and stable for the
     * run's whole life. Checkpoints that name the same run hold the same bytes. An adopted run
     * keeps the name it was checkpointed under, so it is not uploaded again.
     */
    public String name() {
        return name;
    }

    public Path file() {
        return reader.file();
    }

    /** Bytes of the file on disk. */
    public long sizeBytes() {
        return reader.fileSize();
    }

    public long entryCount() {
        return reader.entryCount();
    }

    /**
     * Why the run was written, or {@link RunWriter.Purpose#ADOPTED}: tells what an incremental
     * checkpoint uploads.
     */
    public RunWriter.Purpose origin() {
        return origin;
    }

    /** Bytes of the file besides its blocks: header, bloom filter, sparse index and footer. */
    public long overheadBytes() {
        return reader.overheadBytes();
    }

    /** The smallest key in the run (a copy). */
    public byte[] firstKey() {
        return reader.index().firstKey().clone();
    }

    /** The largest key in the run (a copy). */
    public byte[] lastKey() {
        return reader.index().lastKey().clone();
    }

    /**
     * Hides the entries outside {@code shown} from every read of this run. Called by the store
     * that adopts the run, before anything else can read it.
     */
    public void fenceTo(KeyGroupFence shown) {
        if (fence != null) {
            throw new IllegalStateException("Run " + name + " is already fenced to " + fence);
        }
        fence = shown;
    }

    /**
     * Records that the run holds exactly the merge of these runs (newest first): every entry they
     * resolve to, nothing dropped or rewritten, none of them fenced. Called by the compaction that
     * wrote it, before anyone else can see it.
     */
    public void recordMergedFrom(List<MergedInput> inputs) {
        mergedFrom = List.copyOf(inputs);
    }

    /**
     * The runs this run is exactly the merge of, newest first, or empty (written from memory,
     * adopted, clipped, or a merge that dropped entries). Read together, in this order, they
     * resolve to what this run holds, so an incremental checkpoint may list them in its place:
     * merging runs that a confirmed checkpoint uploaded need not upload their bytes again.
     */
    public List<MergedInput> mergedFrom() {
        return mergedFrom;
    }

    /** The key groups this run shows, or {@code null} when it shows all it holds. */
    public KeyGroupFence fence() {
        return fence;
    }

    /** Heap bytes the open run keeps resident (bloom filter and sparse index). */
    public long residentBytes() {
        return reader.residentBytes();
    }

    /**
     * The run's entry for {@code key[0, keyLength)}, or {@code null} when the run has none.
     * Consults the bloom filter first, then one block through the cache.
     */
    public EntryValue get(byte[] key, int keyLength) throws IOException {
        KeyGroupFence shown = fence;
        if (shown != null && !shown.containsKey(key, keyLength)) {
            return null;
        }
        return reader.get(key, keyLength);
    }

    /** As {@link RunReader#offerTo}: the point read of {@link RunVersion#resolve}. */
    boolean offerTo(byte[] key, int keyLength, long hash, EntryResolver resolver)
            throws IOException {
        KeyGroupFence shown = fence;
        if (shown != null && !shown.containsKey(key, keyLength)) {
            return false;
        }
        return reader.offerTo(key, keyLength, hash, resolver);
    }

    /**
     * A cursor over the entries whose keys start with the prefix (all entries for an empty
     * prefix). The cursor holds its own reference until closed.
     *
     * @param fillCache whether blocks read from disk enter the block cache; pass {@code false} for
     *     one-pass scans (compaction, snapshots) so they do not evict the working set
     */
    public RunCursor scan(byte[] prefix, boolean fillCache) throws IOException {
        retain();
        try {
            return new RunCursor(this, reader, directory.readAheadBuffers(), prefix.clone(), fence,
                    fillCache);
        } catch (IOException | RuntimeException e) {
            release();
            throw e;
        }
    }

    /** Adds a reference; returns this run. */
    public Run retain() {
        int count;
        do {
            count = references.get();
            if (count <= 0) {
                throw new IllegalStateException("Run " + file() + " was already released and deleted");
            }
        } while (!references.compareAndSet(count, count + 1));
        return this;
    }

    /** Drops a reference; the last one closes and deletes the file. */
    public void release() {
        int remaining = references.decrementAndGet();
        if (remaining == 0) {
            directory.delete(this, reader);
        } else if (remaining < 0) {
            throw new IllegalStateException("Run " + file() + " released more often than retained");
        }
    }

    /** References held now (for tests and diagnostics). */
    public int referenceCount() {
        return references.get();
    }

    @Override
    public String toString() {
        return "Run{" + file().getFileName() + ", " + entryCount() + " entries, " + sizeBytes() + " bytes}";
    }
}
