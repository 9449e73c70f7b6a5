package dev.spillway.backend.store;

import java.io.Closeable;
import java.io.IOException;

/**
 * A consistent, read-only view of a {@link StateStore} at the moment {@link StateStore#snapshot()}
 * returned. It may be read from another thread than the one writing to the store, and several
 * cursors may be open on it at once (one per key group, say). Closing it releases the memory and
 * run files that only it still references.
 */
public interface StoreSnapshot extends Closeable {

    /** Iterates the view's entries whose keys start with the prefix, in ascending key order. */
    StoreCursor scan(byte[] prefix, int prefixLength) throws IOException;

    @Override
    void close() throws IOException;
}
