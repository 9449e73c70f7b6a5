package dev.spillway.backend;

import dev.spillway.backend.store.RunStore;
import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.StoreSnapshot;

import java.io.IOException;
import java.util.Optional;

/**
 * A store together with the memory lease it runs in. The store does not own its memory client (the
 * client is the keyed backend's window on the slot's memory), so whoever closes the store must
 * return the lease afterwards; this wrapper makes that one {@link #close()}.
 */
final class MemoryLeasingStore implements StateStore {

    private final StateStore store;
    private final AutoCloseable lease;

    /** The lease is closed after the store, e.g. the store's {@code MemoryClient}. */
    MemoryLeasingStore(StateStore store, AutoCloseable lease) {
        this.store = store;
        this.lease = lease;
    }

    @Override
    public byte[] get(byte[] key, int keyLength) throws IOException {
        return store.get(key, keyLength);
    }

    @Override
    public <T> T read(byte[] key, int keyLength, int keyHash, ValueReader<T> reader)
            throws IOException {
        return store.read(key, keyLength, keyHash, reader);
    }

    @Override
    public void put(byte[] key, int keyLength, byte[] value, int valueOffset, int valueLength)
            throws IOException {
        store.put(key, keyLength, value, valueOffset, valueLength);
    }

    @Override
    public void put(
            byte[] key,
            int keyLength,
            int keyHash,
            byte[] value,
            int valueOffset,
            int valueLength)
            throws IOException {
        store.put(key, keyLength, keyHash, value, valueOffset, valueLength);
    }

    @Override
    public void append(
            byte[] key, int keyLength, byte[] element, int elementOffset, int elementLength)
            throws IOException {
        store.append(key, keyLength, element, elementOffset, elementLength);
    }

    @Override
    public void delete(byte[] key, int keyLength) throws IOException {
        store.delete(key, keyLength);
    }

    @Override
    public StoreCursor scan(byte[] prefix, int prefixLength) throws IOException {
        return store.scan(prefix, prefixLength);
    }

    @Override
    public StoreCursor scan(byte[] prefix, int prefixLength, byte[] from) throws IOException {
        return store.scan(prefix, prefixLength, from);
    }

    @Override
    public StoreSnapshot snapshot() throws IOException {
        return store.snapshot();
    }

    @Override
    public Optional<RunStore> runStore() {
        return store.runStore();
    }

    /** Closes the store, then returns its memory: the store frees its pages to the client. */
    @Override
    public void close() throws IOException {
        try {
            store.close();
        } finally {
            try {
                lease.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("Cannot return the store's memory", e);
            }
        }
    }
}
