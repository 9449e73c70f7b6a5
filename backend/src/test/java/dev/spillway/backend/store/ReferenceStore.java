package dev.spillway.backend.store;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The simplest correct {@link StateStore}: a sorted on-heap map. Model-based tests run random
 * operations against it and the real store and compare; state-layer tests can use it to isolate
 * the state logic from the engine. Not thread-safe beyond what the contract needs from tests.
 */
public final class ReferenceStore implements StateStore {

    private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public synchronized byte[] get(byte[] key, int keyLength) {
        byte[] value = entries.get(Arrays.copyOf(key, keyLength));
        return value == null ? null : value.clone();
    }

    @Override
    public synchronized void put(byte[] key, int keyLength, byte[] value, int off, int len) {
        entries.put(Arrays.copyOf(key, keyLength), Arrays.copyOfRange(value, off, off + len));
    }

    @Override
    public synchronized void append(byte[] key, int keyLength, byte[] element, int off, int len) {
        byte[] k = Arrays.copyOf(key, keyLength);
        byte[] old = entries.get(k);
        if (old == null) {
            entries.put(k, Arrays.copyOfRange(element, off, off + len));
        } else {
            byte[] joined = Arrays.copyOf(old, old.length + 1 + len);
            joined[old.length] = LIST_DELIMITER;
            System.arraycopy(element, off, joined, old.length + 1, len);
            entries.put(k, joined);
        }
    }

    @Override
    public synchronized void delete(byte[] key, int keyLength) {
        entries.remove(Arrays.copyOf(key, keyLength));
    }

    @Override
    public synchronized StoreCursor scan(byte[] prefix, int prefixLength) {
        return cursor(copyRange(prefix, prefixLength), true);
    }

    @Override
    public synchronized StoreSnapshot snapshot() {
        ReferenceStore frozen = new ReferenceStore();
        entries.forEach((k, v) -> frozen.entries.put(k, v.clone()));
        return new StoreSnapshot() {
            @Override
            public StoreCursor scan(byte[] prefix, int prefixLength) {
                // frozen's own range: the enclosing store's entries keep changing after the snapshot.
                return frozen.cursor(frozen.copyRange(prefix, prefixLength), false);
            }

            /** The reference keeps no files; the snapshot's contents are its scans. */
            @Override
            public List<SnapshotRun> persist() {
                return List.of();
            }

            @Override
            public void close() {}
        };
    }

    /** Number of live entries. */
    public synchronized int size() {
        return entries.size();
    }

    @Override
    public void close() {}

    private NavigableMap<byte[], byte[]> copyRange(byte[] prefix, int prefixLength) {
        byte[] p = Arrays.copyOf(prefix, prefixLength);
        TreeMap<byte[], byte[]> copy = new TreeMap<>(Arrays::compareUnsigned);
        for (Map.Entry<byte[], byte[]> e : entries.tailMap(p, true).entrySet()) {
            if (!startsWith(e.getKey(), p)) {
                break;
            }
            copy.put(e.getKey(), e.getValue().clone());
        }
        return copy;
    }

    private StoreCursor cursor(NavigableMap<byte[], byte[]> view, boolean removable) {
        Iterator<Map.Entry<byte[], byte[]>> it = view.entrySet().iterator();
        return new StoreCursor() {
            private Map.Entry<byte[], byte[]> current;

            @Override
            public boolean next() {
                current = it.hasNext() ? it.next() : null;
                return current != null;
            }

            @Override
            public byte[] key() {
                return current.getKey().clone();
            }

            @Override
            public byte[] value() {
                return current.getValue().clone();
            }

            @Override
            public void remove() throws IOException {
                if (!removable) {
                    throw new IllegalStateException("Snapshot cursors are read-only");
                }
                delete(current.getKey(), current.getKey().length);
            }

            @Override
            public void close() {}
        };
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
