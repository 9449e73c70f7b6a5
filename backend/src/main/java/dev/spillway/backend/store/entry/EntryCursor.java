package dev.spillway.backend.store.entry;

import java.io.Closeable;
import java.io.IOException;

/**
 * A forward cursor over entries in strictly ascending unsigned key order, at most one entry per
 * key. Run cursors, the merge of several sources and (on the store side) the memtable iterator
 * all speak this interface, so the runs' merging cursor can merge any mix of them.
 *
 * <p>Before the first {@link #next()} and after it returned {@code false} the accessors are
 * undefined. The arrays returned by {@link #key()} and {@link #value()} belong to the caller.
 */
public interface EntryCursor extends Closeable {

    /** Moves to the next entry; returns {@code false} when there is none. */
    boolean next() throws IOException;

    /** The key of the current entry. */
    byte[] key();

    /** The kind of the current entry. */
    EntryKind kind();

    /** The value of the current entry (empty for {@link EntryKind#DELETE}). */
    byte[] value();

    @Override
    void close() throws IOException;
}
