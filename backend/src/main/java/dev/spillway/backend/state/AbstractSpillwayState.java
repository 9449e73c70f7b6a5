package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StateStore.ValueReader;
import dev.spillway.backend.store.entry.KeyHash;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.queryablestate.client.state.serialization.KvStateSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalKvState;
import org.apache.flink.runtime.state.ttl.TtlAwareSerializer;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.Preconditions;
import org.apache.flink.util.StateMigrationException;

import java.io.IOException;
import java.util.Arrays;

/**
 * Base of the Spillway states: one registered state (a state id in the store) seen through the
 * backend's current key and this state's current namespace.
 *
 * <p>Values are stored serialized in the form Flink's canonical savepoints carry (see the
 * subclasses), so a snapshot copies bytes and a read from the store deserializes a fresh object (a
 * single-value state at {@link StorageLevel#MEMORY_AND_DISK} may instead hand out the object its
 * tier holds, see {@link AbstractSingleValueState}). Reads deserialize straight from the store's
 * memory ({@link StateStore#read}); the row's hash is taken once per row from the key builder, so a
 * read-modify-write hashes the key once.
 *
 * @param <K> key type
 * @param <N> namespace type
 * @param <V> the type of the state's value as its serializer sees it
 */
abstract class AbstractSpillwayState<K, N, V> implements InternalKvState<K, N, V> {

    protected final StateContext<K> context;
    protected final int stateId;

    protected TypeSerializer<N> namespaceSerializer;
    protected TypeSerializer<V> valueSerializer;
    protected V defaultValue;
    protected N currentNamespace;

    protected final DataOutputSerializer valueOut = new DataOutputSerializer(128);
    protected final DataInputDeserializer valueIn = new DataInputDeserializer();

    /** Serialized length of the value {@link #readCurrent} found last. */
    private int lastReadLength;

    /** Deserializes a stored value in place; the serializer is read at each call (it may change). */
    private final ValueReader<V> valueReader =
            (value, length) -> {
                lastReadLength = length;
                return valueSerializer.deserialize(value);
            };

    /** An unconfigured state: {@link #configure} sets its serializers before first use. */
    AbstractSpillwayState(StateContext<K> context, int stateId) {
        this.context = context;
        this.stateId = stateId;
    }

    // ------------------------------------------------------------------------------------------
    //  InternalKvState
    // ------------------------------------------------------------------------------------------

    @Override
    public TypeSerializer<K> getKeySerializer() {
        return context.keySerializer();
    }

    @Override
    public TypeSerializer<N> getNamespaceSerializer() {
        return namespaceSerializer;
    }

    @Override
    public TypeSerializer<V> getValueSerializer() {
        return valueSerializer;
    }

    @Override
    public void setCurrentNamespace(N namespace) {
        this.currentNamespace = Preconditions.checkNotNull(namespace, "namespace");
    }

    @Override
    public void clear() {
        try {
            int row = currentRow();
            store().delete(keyBuffer(), row);
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot clear state " + stateId, e);
        }
    }

    @Override
    public byte[] getSerializedValue(
            byte[] serializedKeyAndNamespace,
            TypeSerializer<K> safeKeySerializer,
            TypeSerializer<N> safeNamespaceSerializer,
            TypeSerializer<V> safeValueSerializer)
            throws Exception {
        byte[] row =
                queriedRow(serializedKeyAndNamespace, safeKeySerializer, safeNamespaceSerializer);
        return store().get(row, row.length);
    }

    /** Visits this state's rows for Flink's incremental TTL cleanup. */
    @Override
    public StateIncrementalVisitor<K, N, V> getStateIncrementalVisitor(
            int recommendedMaxNumberOfReturnedRecords) {
        return new StateRowVisitor<>(this, recommendedMaxNumberOfReturnedRecords);
    }

    // ------------------------------------------------------------------------------------------
    //  Whole rows (for the incremental visitor); MapState keeps a row in many entries
    // ------------------------------------------------------------------------------------------

    /** The current value of a row, or {@code null} when it has none. */
    V readRow(byte[] row) throws IOException {
        byte[] bytes = store().get(row, row.length);
        return bytes == null ? null : deserialize(bytes);
    }

    /** Replaces the value of the row. */
    void writeRow(byte[] row, V value) throws IOException {
        serializeToValueOut(value, valueSerializer);
        putValueOut(row, row.length);
    }

    /** Removes the row. */
    void deleteRow(byte[] row) throws IOException {
        store().delete(row, row.length);
    }

    // ------------------------------------------------------------------------------------------
    //  Helpers for the subclasses
    // ------------------------------------------------------------------------------------------

    final StateStore store() {
        return context.store();
    }

    /** Builds the row of the current key and namespace; the bytes are in {@link #keyBuffer()}. */
    final int currentRow() {
        return context.keys().buildRow(stateId, currentNamespace, namespaceSerializer);
    }

    /** The hash of the row {@link #currentRow} built last; computed once per row. */
    final int currentRowHash() {
        return context.keys().rowHash();
    }

    final byte[] keyBuffer() {
        return context.keys().buffer();
    }

    /** The value of the current key and namespace, or {@code null} when there is none. */
    final V readCurrent() throws IOException {
        int row = currentRow();
        return store().read(keyBuffer(), row, currentRowHash(), valueReader);
    }

    /** The serialized length of the value {@link #readCurrent} returned last. */
    final int lastReadLength() {
        return lastReadLength;
    }

    /** The hash the key builder gives a row, for a row built elsewhere. */
    static int rowHash(byte[] row) {
        return KeyHash.hash32(row, row.length);
    }

    /** Stores the value under the current key and namespace; {@code null} clears it. */
    final void writeCurrent(V value) throws IOException {
        if (value == null) {
            clear();
            return;
        }
        serializeToValueOut(value, valueSerializer);
        int row = currentRow();
        store().put(
                keyBuffer(), row, currentRowHash(), valueOut.getSharedBuffer(), 0, valueOut.length());
    }

    /**
     * Serializes into the reused {@link #valueOut}. The store copies what it is given, so the hot
     * write paths hand it the shared buffer instead of allocating a copy per record.
     */
    final <T> void serializeToValueOut(T value, TypeSerializer<T> serializer) throws IOException {
        valueOut.clear();
        serializer.serialize(value, valueOut);
    }

    /** Stores what {@link #valueOut} holds under the key. */
    final void putValueOut(byte[] key, int keyLength) throws IOException {
        store().put(key, keyLength, valueOut.getSharedBuffer(), 0, valueOut.length());
    }

    final V deserialize(byte[] bytes) throws IOException {
        valueIn.setBuffer(bytes);
        return valueSerializer.deserialize(valueIn);
    }

    final V copyOfDefaultValue() {
        return defaultValue == null ? null : valueSerializer.copy(defaultValue);
    }

    /**
     * The row key of a queryable-state request: the key and namespace come serialized with the
     * client's serializers, which may differ from the task's, so they are deserialized and the row
     * is rebuilt with fresh serializers (the request runs outside the task thread).
     */
    final byte[] queriedRow(
            byte[] serializedKeyAndNamespace,
            TypeSerializer<K> safeKeySerializer,
            TypeSerializer<N> safeNamespaceSerializer)
            throws IOException {
        Tuple2<K, N> keyAndNamespace =
                KvStateSerializer.deserializeKeyAndNamespace(
                        serializedKeyAndNamespace, safeKeySerializer, safeNamespaceSerializer);
        int keyGroup =
                KeyGroupRangeAssignment.assignToKeyGroup(
                        keyAndNamespace.f0, context.numberOfKeyGroups());
        StateKeyBuilder<K> builder = new StateKeyBuilder<>(safeKeySerializer);
        builder.setCurrentKey(keyAndNamespace.f0, keyGroup);
        int length = builder.buildRow(stateId, keyAndNamespace.f1, safeNamespaceSerializer);
        return Arrays.copyOf(builder.buffer(), length);
    }

    /**
     * Rewrites one stored value from the prior serializer's format to the current one. Both
     * serializers are TTL-aware so that switching TTL on or off migrates too.
     */
    void migrateSerializedValue(
            DataInputDeserializer oldValue,
            DataOutputSerializer newValue,
            TypeSerializer<V> priorSerializer,
            TypeSerializer<V> newSerializer)
            throws StateMigrationException {
        TtlAwareSerializer<V, ?> prior = (TtlAwareSerializer<V, ?>) priorSerializer;
        TtlAwareSerializer<V, ?> current = (TtlAwareSerializer<V, ?>) newSerializer;
        try {
            current.migrateValueFromPriorSerializer(
                    prior, () -> prior.deserialize(oldValue), newValue, context.ttlTimeProvider());
        } catch (Exception e) {
            throw new StateMigrationException("Cannot migrate a value of state " + stateId, e);
        }
    }

    /**
     * Configures this state from its descriptor, when it is created and whenever it is registered
     * again (after a restore, possibly with migrated serializers): the serializers, the default
     * value and, in the subclasses that have them, the user functions. The state id, and with it
     * the stored rows, stays.
     */
    void configure(
            StateDescriptor<?, V> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, V> metaInfo) {
        this.namespaceSerializer = metaInfo.getNamespaceSerializer();
        this.valueSerializer =
                Preconditions.checkNotNull(metaInfo.getStateSerializer(), "value serializer");
        this.defaultValue = descriptor.getDefaultValue();
    }
}
