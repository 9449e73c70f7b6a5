package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore.ValueReader;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.KeyHash;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.queryablestate.client.state.serialization.KvStateSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalMapState;
import org.apache.flink.runtime.state.ttl.TtlAwareSerializer;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.StateMigrationException;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code MapState}: one store entry per user key, keyed {@code row + serialized user key}, so the
 * map of a (key, namespace) is a prefix scan. A value is stored as {@code [null flag][value]} (the
 * flag is {@code true} for a null value), as RocksDB and the canonical format keep it.
 */
final class SpillwayMapState<K, N, UK, UV> extends AbstractSpillwayState<K, N, Map<UK, UV>>
        implements InternalMapState<K, N, UK, UV> {

    private TypeSerializer<UK> userKeySerializer;
    private TypeSerializer<UV> userValueSerializer;

    /** Reads {@code [null flag][value]} in place; the serializer is read at each call. */
    private final ValueReader<UV> userValueReader =
            (value, length) -> value.readBoolean() ? null : userValueSerializer.deserialize(value);

    private static final ValueReader<Boolean> PRESENT = (value, length) -> Boolean.TRUE;

    SpillwayMapState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    private void useMapSerializer(TypeSerializer<Map<UK, UV>> mapSerializer) {
        MapSerializer<UK, UV> serializer = (MapSerializer<UK, UV>) mapSerializer;
        this.userKeySerializer = serializer.getKeySerializer();
        this.userValueSerializer = serializer.getValueSerializer();
    }

    @Override
    public UV get(UK userKey) throws IOException {
        int length = entryKey(userKey);
        byte[] key = keyBuffer();
        return store().read(key, length, KeyHash.hash32(key, length), userValueReader);
    }

    @Override
    public void put(UK userKey, UV userValue) throws IOException {
        int length = entryKey(userKey);
        putUserValue(keyBuffer(), length, userValue);
    }

    @Override
    public void putAll(Map<UK, UV> map) throws IOException {
        if (map == null) {
            return;
        }
        for (Map.Entry<UK, UV> entry : map.entrySet()) {
            put(entry.getKey(), entry.getValue());
        }
    }

    @Override
    public void remove(UK userKey) throws IOException {
        int length = entryKey(userKey);
        store().delete(keyBuffer(), length);
    }

    @Override
    public boolean contains(UK userKey) throws IOException {
        int length = entryKey(userKey);
        byte[] key = keyBuffer();
        return store().read(key, length, KeyHash.hash32(key, length), PRESENT) != null;
    }

    @Override
    public boolean isEmpty() throws IOException {
        int row = currentRow();
        try (StoreCursor cursor = store().scan(keyBuffer(), row)) {
            return !cursor.next();
        }
    }

    @Override
    public void clear() {
        int row = currentRow();
        try {
            deleteRow(Arrays.copyOf(keyBuffer(), row));
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot clear map state " + stateId, e);
        }
    }

    @Override
    public Iterable<Map.Entry<UK, UV>> entries() {
        return this::iterator;
    }

    @Override
    public Iterable<UK> keys() {
        return () -> new MapIterationAdapter<>(iterator(), Map.Entry::getKey);
    }

    @Override
    public Iterable<UV> values() {
        return () -> new MapIterationAdapter<>(iterator(), Map.Entry::getValue);
    }

    @Override
    public Iterator<Map.Entry<UK, UV>> iterator() {
        int row = currentRow();
        byte[] prefix = Arrays.copyOf(keyBuffer(), row);
        try {
            return new SpillwayMapIterator<>(
                    store(),
                    store().scan(prefix, prefix.length),
                    prefix.length,
                    userKeySerializer,
                    userValueSerializer,
                    (entryKey, value) -> putUserValue(entryKey, entryKey.length, value));
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot iterate map state " + stateId, e);
        }
    }

    @Override
    public byte[] getSerializedValue(
            byte[] serializedKeyAndNamespace,
            TypeSerializer<K> safeKeySerializer,
            TypeSerializer<N> safeNamespaceSerializer,
            TypeSerializer<Map<UK, UV>> safeValueSerializer)
            throws Exception {
        byte[] row =
                queriedRow(serializedKeyAndNamespace, safeKeySerializer, safeNamespaceSerializer);
        MapSerializer<UK, UV> serializer = (MapSerializer<UK, UV>) safeValueSerializer;
        TypeSerializer<UK> keySerializer = serializer.getKeySerializer();
        TypeSerializer<UV> valueSerializer = serializer.getValueSerializer();
        DataInputDeserializer in = new DataInputDeserializer();
        Map<UK, UV> entries = new HashMap<>();
        try (StoreCursor cursor = store().scan(row, row.length)) {
            while (cursor.next()) {
                byte[] key = cursor.key();
                in.setBuffer(key, row.length, key.length - row.length);
                UK userKey = keySerializer.deserialize(in);
                entries.put(userKey, deserializeUserValue(cursor.value(), in, valueSerializer));
            }
        }
        return entries.isEmpty()
                ? null
                : KvStateSerializer.serializeMap(
                        entries.entrySet(), keySerializer, valueSerializer);
    }

    @Override
    void migrateSerializedValue(
            DataInputDeserializer oldValue,
            DataOutputSerializer newValue,
            TypeSerializer<Map<UK, UV>> priorSerializer,
            TypeSerializer<Map<UK, UV>> newSerializer)
            throws StateMigrationException {
        TtlAwareSerializer<UV, ?> prior =
                ((TtlAwareSerializer.TtlAwareMapSerializer<UK, UV>) priorSerializer)
                        .getValueSerializer();
        TtlAwareSerializer<UV, ?> current =
                ((TtlAwareSerializer.TtlAwareMapSerializer<UK, UV>) newSerializer)
                        .getValueSerializer();
        try {
            boolean isNull = oldValue.readBoolean();
            newValue.writeBoolean(isNull);
            if (!isNull) {
                current.migrateValueFromPriorSerializer(
                        prior,
                        () -> prior.deserialize(oldValue),
                        newValue,
                        context.ttlTimeProvider());
            }
        } catch (Exception e) {
            throw new StateMigrationException("Cannot migrate map state " + stateId, e);
        }
    }

    @Override
    void configure(
            StateDescriptor<?, Map<UK, UV>> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, Map<UK, UV>> metaInfo) {
        super.configure(descriptor, metaInfo);
        useMapSerializer(valueSerializer);
    }

    @Override
    Map<UK, UV> readRow(byte[] row) throws IOException {
        Map<UK, UV> map = new HashMap<>();
        try (StoreCursor cursor = store().scan(row, row.length)) {
            while (cursor.next()) {
                byte[] key = cursor.key();
                valueIn.setBuffer(key, row.length, key.length - row.length);
                UK userKey = userKeySerializer.deserialize(valueIn);
                map.put(
                        userKey,
                        deserializeUserValue(cursor.value(), valueIn, userValueSerializer));
            }
        }
        return map.isEmpty() ? null : map;
    }

    @Override
    void writeRow(byte[] row, Map<UK, UV> map) throws IOException {
        deleteRow(row);
        if (map == null) {
            return;
        }
        DataOutputSerializer keyOut = new DataOutputSerializer(row.length + 16);
        for (Map.Entry<UK, UV> entry : map.entrySet()) {
            keyOut.clear();
            keyOut.write(row);
            userKeySerializer.serialize(entry.getKey(), keyOut);
            putUserValue(keyOut.getSharedBuffer(), keyOut.length(), entry.getValue());
        }
    }

    @Override
    void deleteRow(byte[] row) throws IOException {
        try (StoreCursor cursor = store().scan(row, row.length)) {
            while (cursor.next()) {
                cursor.remove();
            }
        }
    }

    private int entryKey(UK userKey) {
        return context.keys()
                .buildMapEntry(
                        stateId, currentNamespace, namespaceSerializer, userKey, userKeySerializer);
    }

    /** Stores the user value as {@code [null flag][value]} under the entry key. */
    private void putUserValue(byte[] entryKey, int entryKeyLength, UV userValue)
            throws IOException {
        valueOut.clear();
        valueOut.writeBoolean(userValue == null);
        if (userValue != null) {
            userValueSerializer.serialize(userValue, valueOut);
        }
        putValueOut(entryKey, entryKeyLength);
    }

    static <UV> UV deserializeUserValue(
            byte[] bytes, DataInputDeserializer in, TypeSerializer<UV> serializer)
            throws IOException {
        in.setBuffer(bytes);
        return in.readBoolean() ? null : serializer.deserialize(in);
    }
}
