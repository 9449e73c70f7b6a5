package dev.spillway.backend.store;

import java.io.Closeable;
import java.io.IOException;

/**
 * A forward cursor over entries in ascending unsigned key order. Typical use:
 *
 * <pre>{@code
 * try (StoreCursor c = store.scan(prefix, prefixLength)) {
 *     while (c.next()) {
 *         use(c.key(), c.value());
 *     }
 * }
 * }</pre>
 *
 * <p>The arrays returned by {@link #key()} and {@link #value()} are new for every entry and belong
 * to the caller, who may keep them (asking twice for the same entry returns the same array). A
 * full snapshot hands out every entry of the state once, so the cursor does not copy them again.
 */
public interface StoreCursor extends Closeable {

    /** Moves to the next entry; returns {@code false} when there is none. */
    boolean next() throws IOException;

    /** The key of the current entry. */
    byte[] key();

    /** The value of the current entry. */
    byte[] value();

    /**
     * Deletes the current entry from the store the cursor came from. Only for cursors from {@link
     * StateStore#scan}; snapshot cursors are read-only and fail with {@link
     * IllegalStateException}.
     */
    void remove() throws IOException;

    @Override
    void close() throws IOException;
}
