package dev.spillway.backend.store.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The spill directory of one store: creates run writers, names and opens run files, deletes them
 * when their last reference goes, and removes everything on {@link #close()}.
 *
 * <p>The directory is a fresh subdirectory created under the parent the caller gives (Flink's
 * {@code io.tmp.dirs} in production), so two stores never share files and closing one can delete
 * its whole directory safely. Run files are named {@code run-<id>.run} with increasing ids; a
 * file being written carries a {@code .tmp} suffix until it is complete.
 *
 * <p>Thread-safe: writers may be created and runs deleted from any thread.
 */
public final class RunDirectory implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    private final Path path;
    private final RunFormatOptions options;
    private final BlockCache cache;
    private final RunOutput.Factory outputs;
    private final RunStatistics statistics = new RunStatistics();
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, RunReader> open = new ConcurrentHashMap<>();
    private final ReadAheadBuffers readAheadBuffers =
            new ReadAheadBuffers(RunCursor.READ_AHEAD_BYTES);
    private volatile boolean closed;

    private RunDirectory(Path path, RunFormatOptions options, BlockCache cache, RunOutput.Factory outputs) {
        this.path = path;
        this.options = options;
        this.cache = cache;
        this.outputs = outputs;
    }

    /** Creates a new spill directory under {@code parent} (created if missing). */
    public static RunDirectory create(Path parent, RunFormatOptions options, BlockCache cache)
            throws IOException {
        return create(parent, options, cache, RunOutput.FILES);
    }

    /**
     * As {@link #create(Path, RunFormatOptions, BlockCache)}, writing through the given outputs
     * (for fault injection or throttling).
     */
    public static RunDirectory create(Path parent, RunFormatOptions options, BlockCache cache,
            RunOutput.Factory outputs) throws IOException {
        try {
            Files.createDirectories(parent);
            return new RunDirectory(Files.createTempDirectory(parent, "spillway-runs-"), options, cache, outputs);
        } catch (IOException e) {
            throw new IOException("Cannot create a spill directory under " + parent + " (" + e
                    + "). Point the spill directory (Flink's io.tmp.dirs) at a writable local disk.", e);
        }
    }

    /** The direct buffers the cursors of this directory's runs read ahead into. */
    ReadAheadBuffers readAheadBuffers() {
        return readAheadBuffers;
    }

    public Path path() {
        return path;
    }

    public RunFormatOptions options() {
        return options;
    }

    public RunStatistics statistics() {
        return statistics;
    }

    /**
     * Starts a new run file.
     *
     * @param expectedEntries how many entries the caller expects to add; sizes the bloom filter
     *     (more entries still work, at a higher false-positive rate)
     */
    public RunWriter newWriter(long expectedEntries, RunWriter.Purpose purpose) throws IOException {
        if (closed) {
            throw new IllegalStateException("Spill directory " + path + " is closed");
        }
        long id = nextId.incrementAndGet();
        Path file = path.resolve(String.format("run-%012d.run", id));
        RunOutput output;
        try {
            output = outputs.create(RunWriter.temporaryName(file));
        } catch (IOException e) {
            throw new IOException("Cannot create run file " + file + " (" + e + "). Check free space"
                    + " and permissions of the spill directory " + path + ".", e);
        }
        return new RunWriter(this, id, purpose, file, output, options, expectedEntries);
    }

    /**
     * Heap bytes a writer for that many entries will hold at most (apart from a single entry
     * larger than a block), for reserving execution memory before writing.
     */
    public long writerMemory(long expectedEntries) {
        long blockBuffers = 3L * options.blockSize() + 4096;
        long bloom = BloomFilter.sizeInBytes(expectedEntries, options.bloomFalsePositiveRate());
        return blockBuffers + bloom;
    }

    /**
     * A fresh path in this directory (not yet a file) where a caller may place a run file before
     * {@link #adopt adopting} it; files left there are deleted with the directory.
     */
    public Path stagingFile() {
        if (closed) {
            throw new IllegalStateException("Spill directory " + path + " is closed");
        }
        return path.resolve(String.format("staged-%012d.tmp", nextId.incrementAndGet()));
    }

    /**
     * Moves a complete run file (written by another store, e.g. downloaded from a checkpoint) into
     * this directory under a new id and opens it under the given name. The returned run carries
     * one reference, owned by the caller. When the file cannot be opened it is deleted and the
     * error names where it came from.
     */
    public Run adopt(Path file, String name) throws IOException {
        if (closed) {
            throw new IllegalStateException("Spill directory " + path + " is closed");
        }
        long id = nextId.incrementAndGet();
        Path target = path.resolve(String.format("run-%012d.run", id));
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        try {
            RunReader reader = RunReader.open(target, cache);
            open.put(id, reader);
            return new Run(id, reader, this, name, RunWriter.Purpose.ADOPTED);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    Run open(long id, Path file, RunWriter.Purpose purpose) throws IOException {
        RunReader reader = RunReader.open(file, cache, options.rowPrefix());
        open.put(id, reader);
        return new Run(id, reader, this, purpose);
    }

    /** Called when a run's last reference is released. */
    void delete(Run run, RunReader reader) {
        open.remove(run.id());
        try {
            reader.close();
            Files.deleteIfExists(run.file());
            statistics.recordRunDeleted();
        } catch (IOException e) {
            // Nothing is lost: the run is no longer part of the store. close() retries the delete.
            LOG.warn("Could not delete obsolete run file {}; it is removed when the store closes", run.file(), e);
        }
    }

    /**
     * Fsyncs the directory so a completed rename survives a crash (best effort); nothing when the
     * outputs are not {@link RunOutput.Factory#durable() durable}.
     */
    void syncDirectory() {
        if (!outputs.durable()) {
            return;
        }
        try (FileChannel dir = FileChannel.open(path, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms cannot open directories; run files are rebuilt after a crash anyway.
            LOG.debug("Cannot fsync spill directory {}", path, e);
        }
    }

    /**
     * Closes every open run and deletes the directory with all its files. Runs still referenced
     * become unusable; the store closes its snapshots and cursors first.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (RunReader reader : open.values()) {
            try {
                reader.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        open.clear();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw new IOException("Cannot delete spill directory " + path + " (" + e + ")", e);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
