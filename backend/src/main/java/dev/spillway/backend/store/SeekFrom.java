package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.io.IOException;
import java.util.Arrays;

/**
 * Cursors that start at a key: the entries below it are skipped on the first {@link #next}. For
 * sources that cannot seek (the memtable's sorted pins, a store without an index); run cursors
 * seek through their block index instead.
 */
final class SeekFrom {

    private SeekFrom() {}

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
                while (cursor.next()) {
                    if (Arrays.compareUnsigned(cursor.key(), from) >= 0) {
                        return true;
                    }
                }
                return false;
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
                while (cursor.next()) {
                    if (Arrays.compareUnsigned(cursor.key(), from) >= 0) {
                        return true;
                    }
                }
                return false;
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
