package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryKind;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * The contract between the state layer and the storage engine: an ordered map from byte keys to
 * byte values, owned by one keyed state backend.
 *
 * <p>Keys are compared as unsigned bytes. The state layer builds them with {@link CompositeKey}, so
 * a key group, a state, a (key, namespace) row and a map entry are each a byte prefix of the keys
 * below them, and iteration in key order is key-group major, as Flink's canonical savepoint format
 * wants.
 *
 * <p><b>Threads.</b> The point operations, {@link #append} and {@link #scan} are called by the task
 * thread that owns the backend. {@link #snapshot()} is called by the task thread; the returned
 * {@link StoreSnapshot} is then read by an asynchronous snapshot thread while the task thread keeps
 * writing. The memory manager may ask the store to evict from any thread (see the memory package).
 *
 * <p><b>Buffers.</b> Key and value arrays passed in are only read during the call and may be
 * reused by the caller afterwards; arrays returned belong to the caller.
 */
public interface StateStore extends Closeable {

    /** Returns a copy of the value stored under the key, or {@code null} when there is none. */
    byte[] get(byte[] key, int keyLength) throws IOException;

    /**
     * Reads the value stored under the key in place: the reader sees the stored bytes through a
     * view, without a copy onto the heap, and its result is returned; {@code null} when the key has
     * no value (the reader is not called). The view is valid only during the call, and the reader
     * must not call the store.
     *
     * @param keyHash {@link dev.spillway.backend.store.entry.KeyHash#hash32} of the key, which a
     *     caller that reads and writes the same key computes once
     */
    default <T> T read(byte[] key, int keyLength, int keyHash, ValueReader<T> reader)
            throws IOException {
        byte[] bytes = get(key, keyLength);
        return bytes == null ? null : reader.read(bytes);
    }

    /** Stores the value under the key, replacing any earlier value. */
    void put(byte[] key, int keyLength, byte[] value, int valueOffset, int valueLength)
            throws IOException;

    /** As {@link #put(byte[], int, byte[], int, int)}, with the key's hash as for {@link #read}. */
    default void put(
            byte[] key,
            int keyLength,
            int keyHash,
            byte[] value,
            int valueOffset,
            int valueLength)
            throws IOException {
        put(key, keyLength, value, valueOffset, valueLength);
    }

    /**
     * Appends an element to the value under the key without reading it: afterwards {@link #get}
     * returns {@code old + ',' + element}, or {@code element} when there was no value. This is the
     * RocksDB string-append merge with Flink's list delimiter, so list values stay in the format of
     * {@code ListDelimitedSerializer} that canonical savepoints carry.
     */
    void append(byte[] key, int keyLength, byte[] element, int elementOffset, int elementLength)
            throws IOException;

    /** Removes the key; a no-op when it is absent. */
    void delete(byte[] key, int keyLength) throws IOException;

    /**
     * Iterates the live entries whose keys start with the prefix, in ascending key order. The
     * cursor is consistent with the store as of this call; the task thread may write to the store
     * (also through {@link StoreCursor#remove()}) while the cursor is open, and the cursor does not
     * fail because of it.
     */
    StoreCursor scan(byte[] prefix, int prefixLength) throws IOException;

    /**
     * As {@link #scan(byte[], int)}, but starting at the first entry whose key is at least {@code
     * from} (which should start with the prefix). Timer queues resume after the elements they
     * polled this way, instead of walking past their tombstones again. This default skips the
     * entries below; a store with an index seeks.
     */
    default StoreCursor scan(byte[] prefix, int prefixLength, byte[] from) throws IOException {
        return SeekFrom.store(scan(prefix, prefixLength), from.clone());
    }

    /**
     * Takes a consistent point-in-time view of the whole store for an asynchronous snapshot. The
     * synchronous part is at most proportional to the in-memory index, never to the data. The
     * caller must {@link StoreSnapshot#close() close} the view; until then, files it references are
     * kept.
     */
    StoreSnapshot snapshot() throws IOException;

    /**
     * This store as a {@link RunStore} (immutable run files a checkpoint can share and a restore
     * can adopt), or empty for a store without files.
     */
    default Optional<RunStore> runStore() {
        return Optional.empty();
    }

    /** Turns a stored value into what the caller wants, for {@link #read}. */
    @FunctionalInterface
    interface ValueReader<T> {

        /** Reads from the value's bytes, {@code length} of them, through a view. */
        T read(DataInputView value, int length) throws IOException;

        /** Reads from a value that is already a heap array (a value read from disk). */
        default T read(byte[] value) throws IOException {
            return read(new DataInputDeserializer(value), value.length);
        }
    }

    /** The byte appended between list elements by {@link #append}. */
    byte LIST_DELIMITER = EntryKind.LIST_DELIMITER;
}
