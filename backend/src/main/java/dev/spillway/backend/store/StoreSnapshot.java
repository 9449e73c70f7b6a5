package dev.spillway.backend.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A consistent, read-only view of a {@link StateStore} at the moment {@link StateStore#snapshot()}
 * returned. It may be read from another thread than the one writing to the store, and several
 * cursors may be open on it at once (one per key group, say). Closing it releases the memory and
 * run files that only it still references.
 */
public interface StoreSnapshot extends Closeable {

    /** Iterates the view's entries whose keys start with the prefix, in ascending key order. */
    StoreCursor scan(byte[] prefix, int prefixLength) throws IOException;

    /**
     * The view as immutable run files, newest first: one run written from the view's in-memory
     * entries (when it holds any), then the runs on disk at the moment of the view. Together they
     * resolve to exactly the view's contents, as the store's own reads resolve them (newest entry
     * of a key wins; list operands fold onto older values).
     *
     * <p>The first call writes the in-memory part (on the calling thread, sequentially, no point
     * lookups) and afterwards the view no longer holds any store memory: its scans read the files.
     * That is what a checkpoint's asynchronous part calls first, so the task's writes never wait
     * for the checkpoint's upload. The files stay on disk, unchanged, until the view is closed.
     */
    List<SnapshotRun> persist() throws IOException;

    @Override
    void close() throws IOException;
}
