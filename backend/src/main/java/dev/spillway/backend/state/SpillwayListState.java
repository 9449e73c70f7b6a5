package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.ListDelimitedSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalListState;
import org.apache.flink.runtime.state.ttl.TtlAwareSerializer;
import org.apache.flink.util.Preconditions;
import org.apache.flink.util.StateMigrationException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code ListState}: one entry per row holding the elements joined by {@code ','}, the format of
 * {@link ListDelimitedSerializer} that canonical savepoints carry. {@code add} and {@code addAll}
 * use the store's append, so they never read the list.
 */
final class SpillwayListState<K, N, V> extends AbstractSpillwayState<K, N, List<V>>
        implements InternalListState<K, N, V> {

    private static final String NULL_ELEMENT = "You cannot add null to a ListState.";

    private final ListDelimitedSerializer listSerializer = new ListDelimitedSerializer();
    private TypeSerializer<V> elementSerializer;

    SpillwayListState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    @Override
    public Iterable<V> get() throws IOException {
        return getInternal();
    }

    @Override
    public List<V> getInternal() throws IOException {
        int row = currentRow();
        return store().read(keyBuffer(), row, currentRowHash(), listReader);
    }

    private byte[] scratch = new byte[256];

    /**
     * Copies the stored list into a reused array and deserializes it from there: where one element
     * ends is known only to the element serializer, so the reader needs to see how many bytes are
     * left, which a plain view does not tell. One copy, no allocation but the list's own.
     */
    private final StateStore.ValueReader<List<V>> listReader =
            (value, length) -> {
                if (scratch.length < length) {
                    scratch = new byte[Math.max(length, 2 * scratch.length)];
                }
                value.readFully(scratch, 0, length);
                valueIn.setBuffer(scratch, 0, length);
                List<V> list = new ArrayList<>();
                while (valueIn.available() > 0) {
                    list.add(
                            ListDelimitedSerializer.deserializeNextElement(
                                    valueIn, elementSerializer));
                }
                return list;
            };

    @Override
    public void add(V value) throws IOException {
        Preconditions.checkNotNull(value, NULL_ELEMENT);
        serializeToValueOut(value, elementSerializer);
        int row = currentRow();
        store().append(keyBuffer(), row, valueOut.getSharedBuffer(), 0, valueOut.length());
    }

    @Override
    public void addAll(List<V> values) throws IOException {
        Preconditions.checkNotNull(values, "List of values to add cannot be null.");
        if (values.isEmpty()) {
            return;
        }
        byte[] bytes = serializeElements(values);
        int row = currentRow();
        store().append(keyBuffer(), row, bytes, 0, bytes.length);
    }

    @Override
    public void update(List<V> values) throws IOException {
        Preconditions.checkNotNull(values, "List of values to add cannot be null.");
        updateInternal(values);
    }

    @Override
    public void updateInternal(List<V> values) throws IOException {
        if (values == null || values.isEmpty()) {
            clear();
            return;
        }
        byte[] bytes = serializeElements(values);
        int row = currentRow();
        store().put(keyBuffer(), row, bytes, 0, bytes.length);
    }

    @Override
    public void mergeNamespaces(N target, Collection<N> sources) throws IOException {
        if (sources == null || sources.isEmpty()) {
            return;
        }
        List<byte[]> moved = new ArrayList<>(sources.size());
        for (N source : sources) {
            int row = context.keys().buildRow(stateId, source, namespaceSerializer);
            byte[] bytes = store().get(keyBuffer(), row);
            if (bytes != null) {
                store().delete(keyBuffer(), row);
                moved.add(bytes);
            }
        }
        for (byte[] bytes : moved) {
            int row = context.keys().buildRow(stateId, target, namespaceSerializer);
            store().append(keyBuffer(), row, bytes, 0, bytes.length);
        }
    }

    @Override
    List<V> readRow(byte[] row) throws IOException {
        return listSerializer.deserializeList(store().get(row, row.length), elementSerializer);
    }

    @Override
    void writeRow(byte[] row, List<V> value) throws IOException {
        if (value == null || value.isEmpty()) {
            deleteRow(row);
            return;
        }
        byte[] bytes = serializeElements(value);
        store().put(row, row.length, bytes, 0, bytes.length);
    }

    /** Serializes every element before anything is written, so a null element changes nothing. */
    private byte[] serializeElements(List<V> values) throws IOException {
        for (V value : values) {
            Preconditions.checkNotNull(value, NULL_ELEMENT);
        }
        return listSerializer.serializeList(values, elementSerializer);
    }

    @Override
    void migrateSerializedValue(
            DataInputDeserializer oldValue,
            DataOutputSerializer newValue,
            TypeSerializer<List<V>> priorSerializer,
            TypeSerializer<List<V>> newSerializer)
            throws StateMigrationException {
        TtlAwareSerializer<V, ?> prior =
                ((TtlAwareSerializer.TtlAwareListSerializer<V>) priorSerializer)
                        .getElementSerializer();
        TtlAwareSerializer<V, ?> current =
                ((TtlAwareSerializer.TtlAwareListSerializer<V>) newSerializer)
                        .getElementSerializer();
        try {
            while (oldValue.available() > 0) {
                current.migrateValueFromPriorSerializer(
                        prior,
                        () -> ListDelimitedSerializer.deserializeNextElement(oldValue, prior),
                        newValue,
                        context.ttlTimeProvider());
                if (oldValue.available() > 0) {
                    newValue.write(StateStore.LIST_DELIMITER);
                }
            }
        } catch (Exception e) {
            throw new StateMigrationException("Cannot migrate list state " + stateId, e);
        }
    }

    @Override
    void configure(
            StateDescriptor<?, List<V>> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, List<V>> metaInfo) {
        super.configure(descriptor, metaInfo);
        this.elementSerializer = ((ListSerializer<V>) valueSerializer).getElementSerializer();
    }
}
