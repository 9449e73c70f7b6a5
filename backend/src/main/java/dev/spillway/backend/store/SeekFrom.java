package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Cursors that start at a key: the entries below it are skipped on the first {@link #next}. For
 * sources that cannot seek (the memtable's sorted pins, a store without an index); run cursors
 * seek through their block index instead.
 */
final class SeekFrom {

    private SeekFrom() {}

    /** A cursor's {@code next()}, which both cursor interfaces have. */
    private interface Advance {
        boolean next() throws IOException;
    }

    /** Moves to the first entry whose key is at least {@code from}; false when there is none. */
    private static boolean firstAtOrAbove(Advance advance, Supplier<byte[]> key, byte[] from)
            throws IOException {
        while (advance.next()) {
            if (Arrays.compareUnsigned(key.get(), from) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The entry cursor without its entries below {@code from}. */
    static EntryCursor entries(EntryCursor cursor, byte[] from) {
        return new EntryCursor() {
            private boolean started;

            @Override
            public boolean next() throws IOException {
                if (started) {
                    return cursor.next();
                }
                started = true;
                return firstAtOrAbove(cursor::next, cursor::key, from);
            }

            @Override
            public byte[] key() {
                return cursor.key();
            }

            @Override
            public EntryKind kind() {
                return cursor.kind();
            }

            @Override
            public byte[] value() {
                return cursor.value();
            }

            @Override
            public void close() throws IOException {
                cursor.close();
            }
        };
    }

    /** The store cursor without its entries below {@code from}. */
    static StoreCursor store(StoreCursor cursor, byte[] from) {
        return new StoreCursor() {
            private boolean started;

            @Override
            public boolean next() throws IOException {
                if (started) {
                    return cursor.next();
                }
                started = true;
                return firstAtOrAbove(cursor::next, cursor::key, from);
            }

            @Override
            public byte[] key() {
                return cursor.key();
            }

            @Override
            public byte[] value() {
                return cursor.value();
            }

            @Override
            public void remove() throws IOException {
                cursor.remove();
            }

            @Override
            public void close() throws IOException {
                cursor.close();
            }
        };
    }
}
