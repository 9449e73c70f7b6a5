package dev.spillway.backend.state;

import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.state.StateEntry;
import org.apache.flink.runtime.state.internal.InternalKvState.StateIncrementalVisitor;
import org.apache.flink.util.FlinkRuntimeException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Visits the rows of one state a few at a time, for Flink's incremental TTL cleanup: each state
 * access advances the visit, and expired values are removed or rewritten through {@link
 * #remove}/{@link #update}.
 *
 * <p>The row keys of one key group are collected with one prefix scan; each slice handed out then
 * reads its rows afresh, because the cleanup decides on the values it is given and writes them back
 * at once: a value read earlier could be stale by then. The visit holds no store cursor across
 * calls; rows created after their key group was listed are visited in the next round.
 */
final class StateRowVisitor<K, N, V> implements StateIncrementalVisitor<K, N, V> {

    private final AbstractSpillwayState<K, N, V> state;
    private final Iterator<Integer> keyGroups;
    private final int sliceSize;
    private final DataInputDeserializer in = new DataInputDeserializer();
    private List<byte[]> rows = Collections.emptyList();
    private int position;

    StateRowVisitor(AbstractSpillwayState<K, N, V> state, int sliceSize) {
        this.state = state;
        this.keyGroups = state.context.keyGroupRange().iterator();
        this.sliceSize = Math.max(1, sliceSize);
    }

    @Override
    public boolean hasNext() {
        while (position == rows.size() && keyGroups.hasNext()) {
            rows = listRows(keyGroups.next());
            position = 0;
        }
        return position < rows.size();
    }

    @Override
    public Collection<StateEntry<K, N, V>> nextEntries() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int end = Math.min(rows.size(), position + sliceSize);
        List<StateEntry<K, N, V>> slice = new ArrayList<>(end - position);
        try {
            for (; position < end; position++) {
                byte[] row = rows.get(position);
                V value = state.readRow(row);
                if (value != null) {
                    slice.add(toEntry(row, value));
                }
            }
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot read state rows", e);
        }
        return slice;
    }

    @Override
    public void remove(StateEntry<K, N, V> entry) {
        try {
            state.deleteRow(((Row<K, N, V>) entry).row);
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot remove an expired entry", e);
        }
    }

    @Override
    public void update(StateEntry<K, N, V> entry, V newValue) {
        try {
            state.writeRow(((Row<K, N, V>) entry).row, newValue);
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot update an entry", e);
        }
    }

    private List<byte[]> listRows(int keyGroup) {
        byte[] prefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
        CompositeKey.writeStatePrefix(prefix, keyGroup, state.stateId);
        List<byte[]> found = new ArrayList<>();
        byte[] previous = null;
        try (StoreCursor cursor = state.store().scan(prefix, prefix.length)) {
            while (cursor.next()) {
                byte[] key = cursor.key();
                int rowLength = CompositeKey.rowLength(key, key.length);
                if (previous == null
                        || !Arrays.equals(key, 0, rowLength, previous, 0, previous.length)) {
                    previous = Arrays.copyOf(key, rowLength);
                    found.add(previous);
                }
            }
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot list the rows of key group " + keyGroup, e);
        }
        return found;
    }

    private Row<K, N, V> toEntry(byte[] row, V value) throws IOException {
        in.setBuffer(
                row,
                CompositeKey.keyOffset(row, row.length),
                CompositeKey.keyLength(row, row.length));
        K key = state.getKeySerializer().deserialize(in);
        in.setBuffer(
                row,
                CompositeKey.namespaceOffset(row, row.length),
                CompositeKey.namespaceLength(row, row.length));
        N namespace = state.namespaceSerializer.deserialize(in);
        return new Row<>(row, key, namespace, value);
    }

    /** A visited row: its store key and its deserialized content. */
    private static final class Row<K, N, V> implements StateEntry<K, N, V> {
        final byte[] row;
        private final K key;
        private final N namespace;
        private final V value;

        Row(byte[] row, K key, N namespace, V value) {
            this.row = row;
            this.key = key;
            this.namespace = namespace;
            this.value = value;
        }

        @Override
        public K getKey() {
            return key;
        }

        @Override
        public N getNamespace() {
            return namespace;
        }

        @Override
        public V getState() {
            return value;
        }
    }
}
