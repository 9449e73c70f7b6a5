package dev.spillway.backend.state;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;

import javax.annotation.Nullable;

import java.io.IOException;

/**
 * Base of the states that keep one value per row (value, reducing, aggregating). At {@link
 * StorageLevel#MEMORY_AND_DISK} the values also live as objects in the backend's {@link
 * ObjectTier}: a read that finds the row there returns the stored object, a write replaces it,
 * and the store sees the value only when the tier writes it back. Every path that reads or changes
 * a row (the current one, a merge's, the TTL visitor's, a queried one) goes through the tier, so
 * none sees a store value older than the tier's.
 */
abstract class AbstractSingleValueState<K, N, V> extends AbstractSpillwayState<K, N, V>
        implements ObjectTier.Owner {

    /** The tier, or {@code null} at the serialized level (or for a queryable state). */
    @Nullable private ObjectTier tier;

    /** Serialized size of the value read or written back last: the tier's size estimate. */
    private int lastSerializedLength = 64;

    AbstractSingleValueState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    @Override
    void configure(
            StateDescriptor<?, V> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, V> metaInfo) {
        super.configure(descriptor, metaInfo);
        // Queryable state is read from other threads, straight from the store: it must see every
        // update there.
        this.tier = descriptor.isQueryable() ? null : context.objectTierFor(descriptor.getName());
    }

    /** The value of the current key and namespace, or {@code null} when there is none. */
    final V readValue() throws IOException {
        if (tier == null) {
            return readCurrent();
        }
        int row = currentRow();
        int hash = currentRowHash();
        int slot = tier.find(keyBuffer(), row, hash);
        if (slot >= 0) {
            @SuppressWarnings("unchecked")
            V value = (V) tier.value(slot);
            return value;
        }
        V value = readCurrent();
        if (value != null) {
            lastSerializedLength = lastReadLength();
            int estimate = ObjectTier.estimateBytes(row, lastSerializedLength);
            if (tier.admitRead(hash, estimate)) {
                tier.put(keyBuffer(), row, hash, value, false, estimate, this);
            }
        }
        return value;
    }

    /** Stores the value under the current key and namespace; {@code null} clears it. */
    final void writeValue(V value) throws IOException {
        if (tier == null || value == null) {
            writeCurrent(value);
            return;
        }
        int row = currentRow();
        tier.put(
                keyBuffer(),
                row,
                currentRowHash(),
                value,
                true,
                ObjectTier.estimateBytes(row, lastSerializedLength),
                this);
    }

    @Override
    public void clear() {
        if (tier != null) {
            tier.remove(keyBuffer(), currentRow(), currentRowHash());
        }
        super.clear();
    }

    /**
     * The tier may hold a newer value than the store. Queryable states never use the tier, so a
     * caller here runs on the task thread (tests, tools), where reading the tier is safe.
     */
    @Override
    public byte[] getSerializedValue(
            byte[] serializedKeyAndNamespace,
            TypeSerializer<K> safeKeySerializer,
            TypeSerializer<N> safeNamespaceSerializer,
            TypeSerializer<V> safeValueSerializer)
            throws Exception {
        if (tier != null) {
            byte[] row =
                    queriedRow(serializedKeyAndNamespace, safeKeySerializer, safeNamespaceSerializer);
            int slot = tier.find(row, row.length, rowHash(row));
            if (slot >= 0) {
                @SuppressWarnings("unchecked")
                V value = (V) tier.value(slot);
                DataOutputSerializer out = new DataOutputSerializer(64);
                safeValueSerializer.serialize(value, out);
                return out.getCopyOfBuffer();
            }
        }
        return super.getSerializedValue(
                serializedKeyAndNamespace,
                safeKeySerializer,
                safeNamespaceSerializer,
                safeValueSerializer);
    }

    @Override
    public void writeBack(byte[] row, Object value) throws IOException {
        @SuppressWarnings("unchecked")
        V typed = (V) value;
        serializeToValueOut(typed, valueSerializer);
        lastSerializedLength = valueOut.length();
        putValueOut(row, row.length);
    }

    /** Writes back and drops this state's tier entries: its serializer is about to change. */
    void leaveObjectTier() throws IOException {
        if (tier != null) {
            tier.evictAll(this);
        }
    }

    // Rows other than the current one (namespace merges, the incremental TTL cleanup): the tier's
    // value is the newest, a store read does not fill the tier.

    @Override
    V readRow(byte[] row) throws IOException {
        if (tier != null) {
            int slot = tier.find(row, row.length, rowHash(row));
            if (slot >= 0) {
                @SuppressWarnings("unchecked")
                V value = (V) tier.value(slot);
                return value;
            }
        }
        return super.readRow(row);
    }

    @Override
    void writeRow(byte[] row, V value) throws IOException {
        if (tier != null) {
            tier.remove(row, row.length, rowHash(row));
        }
        super.writeRow(row, value);
    }

    @Override
    void deleteRow(byte[] row) throws IOException {
        if (tier != null) {
            tier.remove(row, row.length, rowHash(row));
        }
        super.deleteRow(row);
    }
}
