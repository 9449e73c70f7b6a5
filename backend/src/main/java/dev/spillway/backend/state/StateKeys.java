package dev.spillway.backend.state;

import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.FlinkRuntimeException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The key queries of a backend ({@code getKeys}, {@code getKeysAndNamespaces}, entry counts),
 * answered by prefix scans of the store.
 *
 * <p>Results are produced one key group at a time: the rows of a key group are read into a small
 * batch before any is handed out, so the caller may modify state while consuming the stream (as
 * {@code applyToAllKeys} does) without disturbing the scan, and memory stays bounded by the largest
 * key group rather than the whole state.
 */
public final class StateKeys<K> {

    private final StateContext<K> context;

    public StateKeys(StateContext<K> context) {
        this.context = context;
    }

    /** Distinct keys that have a row in the namespace in any of the states. */
    public <N> Stream<K> keys(List<RegisteredKvState> states, N namespace) {
        if (states.isEmpty()) {
            return Stream.empty();
        }
        List<byte[]> namespaces = new ArrayList<>(states.size());
        for (RegisteredKvState state : states) {
            namespaces.add(serializeNamespace(state, namespace));
        }
        TypeSerializer<K> keySerializer = context.keySerializer();
        DataInputDeserializer in = new DataInputDeserializer();
        return stream(
                keyGroup -> {
                    TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
                    for (int i = 0; i < states.size(); i++) {
                        byte[] wanted = namespaces.get(i);
                        scan(
                                keyGroup,
                                states.get(i),
                                key -> {
                                    int length = key.length;
                                    int nsOffset = CompositeKey.namespaceOffset(key, length);
                                    int nsLength = CompositeKey.namespaceLength(key, length);
                                    if (Arrays.equals(
                                            key,
                                            nsOffset,
                                            nsOffset + nsLength,
                                            wanted,
                                            0,
                                            wanted.length)) {
                                        int keyOffset = CompositeKey.keyOffset(key, length);
                                        keys.add(
                                                Arrays.copyOfRange(
                                                        key,
                                                        keyOffset,
                                                        keyOffset
                                                                + CompositeKey.keyLength(
                                                                        key, length)));
                                    }
                                });
                    }
                    List<K> batch = new ArrayList<>(keys.size());
                    for (byte[] key : keys) {
                        in.setBuffer(key);
                        batch.add(keySerializer.deserialize(in));
                    }
                    return batch;
                });
    }

    /** Every (key, namespace) that has a row in the state. */
    @SuppressWarnings("unchecked")
    public <N> Stream<Tuple2<K, N>> keysAndNamespaces(RegisteredKvState state) {
        TypeSerializer<K> keySerializer = context.keySerializer();
        TypeSerializer<N> namespaceSerializer =
                (TypeSerializer<N>) state.metaInfo().getNamespaceSerializer();
        DataInputDeserializer in = new DataInputDeserializer();
        return stream(
                keyGroup -> {
                    List<Tuple2<K, N>> batch = new ArrayList<>();
                    byte[][] previousRow = {null};
                    scan(
                            keyGroup,
                            state,
                            key -> {
                                int rowLength = CompositeKey.rowLength(key, key.length);
                                byte[] previous = previousRow[0];
                                if (previous != null
                                        && Arrays.equals(
                                                key, 0, rowLength, previous, 0, previous.length)) {
                                    return; // another user key of the same map row
                                }
                                previousRow[0] = Arrays.copyOf(key, rowLength);
                                in.setBuffer(
                                        key,
                                        CompositeKey.keyOffset(key, rowLength),
                                        CompositeKey.keyLength(key, rowLength));
                                K k = keySerializer.deserialize(in);
                                in.setBuffer(
                                        key,
                                        CompositeKey.namespaceOffset(key, rowLength),
                                        CompositeKey.namespaceLength(key, rowLength));
                                batch.add(Tuple2.of(k, namespaceSerializer.deserialize(in)));
                            });
                    return batch;
                });
    }

    /** The number of store entries of all the states (a map counts one per user key). */
    public int countEntries(List<RegisteredKvState> states) {
        int[] count = {0};
        for (int keyGroup : context.keyGroupRange()) {
            for (RegisteredKvState state : states) {
                try {
                    scan(keyGroup, state, key -> count[0]++);
                } catch (IOException e) {
                    throw new FlinkRuntimeException("Cannot count state entries", e);
                }
            }
        }
        return count[0];
    }

    private byte[] serializeNamespace(RegisteredKvState state, Object namespace) {
        @SuppressWarnings("unchecked")
        TypeSerializer<Object> serializer =
                (TypeSerializer<Object>) state.metaInfo().getNamespaceSerializer();
        DataOutputSerializer out = new DataOutputSerializer(16);
        try {
            serializer.serialize(namespace, out);
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot serialize namespace " + namespace, e);
        }
        return out.getCopyOfBuffer();
    }

    @FunctionalInterface
    private interface KeyConsumer {
        void accept(byte[] storeKey) throws IOException;
    }

    private void scan(int keyGroup, RegisteredKvState state, KeyConsumer consumer)
            throws IOException {
        byte[] prefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
        CompositeKey.writeStatePrefix(prefix, keyGroup, state.stateId());
        try (StoreCursor cursor = context.store().scan(prefix, prefix.length)) {
            while (cursor.next()) {
                consumer.accept(cursor.key());
            }
        }
    }

    @FunctionalInterface
    private interface BatchLoader<T> {
        List<T> load(int keyGroup) throws IOException;
    }

    private <T> Stream<T> stream(BatchLoader<T> loader) {
        Iterator<Integer> keyGroups = context.keyGroupRange().iterator();
        Iterator<T> results =
                new Iterator<T>() {
                    private Iterator<T> batch = Collections.emptyIterator();

                    @Override
                    public boolean hasNext() {
                        while (!batch.hasNext() && keyGroups.hasNext()) {
                            try {
                                batch = loader.load(keyGroups.next()).iterator();
                            } catch (IOException e) {
                                throw new FlinkRuntimeException("Cannot scan state keys", e);
                            }
                        }
                        return batch.hasNext();
                    }

                    @Override
                    public T next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        return batch.next();
                    }
                };
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(results, Spliterator.ORDERED), false);
    }
}
