package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.KeyHash;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;

/**
 * Builds store keys in the {@link CompositeKey} layout for the backend's current key, reusing one
 * buffer for every access of the task thread.
 *
 * <p>The current key is serialized once per {@link #setCurrentKey} and kept in the buffer as {@code
 * [key group][state id][varint key length][key]}; building a row for a state only patches the two
 * state-id bytes and appends {@code [varint namespace length][namespace]}, so a state access costs
 * one namespace serialization and no allocation. The namespace goes through a scratch buffer
 * because its length precedes it.
 *
 * <p>A row is rebuilt only when something in it changed: building the row the buffer already holds
 * (same key, state and namespace object) costs a few comparisons, and its {@link #rowHash() hash}
 * is computed once per row. A namespace is serialized once per namespace object, so states that
 * share a namespace (the states of one window) do not serialize it again. Namespaces are compared
 * by identity: Flink's namespaces (windows, {@code VoidNamespace}) are immutable values, and the
 * heap backend keys its maps by them too.
 *
 * <p>The returned lengths refer to {@link #buffer()}, which the next build overwrites: callers that
 * keep a key past the next build copy it.
 */
public final class StateKeyBuilder<K> {

    private static final int STATE_ID_OFFSET = CompositeKey.KEY_GROUP_BYTES;

    private final TypeSerializer<K> keySerializer;

    /** The key under construction; always starts with the current key's prefix. */
    private final DataOutputSerializer out = new DataOutputSerializer(64);

    /** Scratch space for a part whose length has to be written before it. */
    private final DataOutputSerializer part = new DataOutputSerializer(32);

    /** Length of {@code [key group][state id][varint][key]} in {@link #out}. */
    private int keyPrefixLength;

    /** The namespace whose {@code [varint length][bytes]} are in {@link #namespacePart}. */
    private Object serializedNamespace;

    private TypeSerializer<?> serializedNamespaceSerializer;
    private final DataOutputSerializer namespacePart = new DataOutputSerializer(16);

    /** What the row in {@link #out} was built from; {@code rowLength < 0} when there is none. */
    private int rowStateId;

    private Object rowNamespace;
    private TypeSerializer<?> rowNamespaceSerializer;
    private int rowLength = -1;
    private int rowHash;
    private boolean rowHashValid;

    public StateKeyBuilder(TypeSerializer<K> keySerializer) {
        this.keySerializer = keySerializer;
    }

    /** Serializes the new current key; every following build refers to it. */
    public void setCurrentKey(K key, int keyGroup) {
        rowLength = -1;
        try {
            part.clear();
            keySerializer.serialize(key, part);
            out.clear();
            out.writeShort(keyGroup);
            out.writeShort(0);
            writePrefixedPart();
            keyPrefixLength = out.length();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serialize the current key " + key, e);
        }
    }

    /** Builds {@code [kg][state][key][namespace]} for the current key; returns its length. */
    public <N> int buildRow(int stateId, N namespace, TypeSerializer<N> namespaceSerializer) {
        if (rowLength >= 0
                && rowStateId == stateId
                && rowNamespace == namespace
                && rowNamespaceSerializer == namespaceSerializer) {
            out.setPosition(rowLength);
            return rowLength;
        }
        serializeNamespace(namespace, namespaceSerializer);
        startRow(stateId);
        try {
            out.write(namespacePart.getSharedBuffer(), 0, namespacePart.length());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write the namespace " + namespace, e);
        }
        rowStateId = stateId;
        rowNamespace = namespace;
        rowNamespaceSerializer = namespaceSerializer;
        rowLength = out.length();
        rowHashValid = false;
        return rowLength;
    }

    /** The {@link KeyHash#hash32} of the row last built; computed once per row. */
    public int rowHash() {
        if (!rowHashValid) {
            rowHash = KeyHash.hash32(out.getSharedBuffer(), rowLength);
            rowHashValid = true;
        }
        return rowHash;
    }

    /**
     * Builds the key of one map entry: the row of the current key and namespace followed by the
     * serialized user key. Returns its length.
     */
    public <N, UK> int buildMapEntry(
            int stateId,
            N namespace,
            TypeSerializer<N> namespaceSerializer,
            UK userKey,
            TypeSerializer<UK> userKeySerializer) {
        buildRow(stateId, namespace, namespaceSerializer);
        try {
            userKeySerializer.serialize(userKey, out);
            return out.length();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serialize the map key " + userKey, e);
        }
    }

    /** The bytes of the last built key; valid until the next build or key change. */
    public byte[] buffer() {
        return out.getSharedBuffer();
    }

    /**
     * Writes a complete row key from already serialized parts into the output (cleared first), for
     * keys other than the current one (restore, queryable state). Returns the row length.
     */
    public static int writeRow(
            DataOutputSerializer target,
            int keyGroup,
            int stateId,
            byte[] source,
            int keyOffset,
            int keyLength,
            int namespaceOffset,
            int namespaceLength)
            throws IOException {
        target.clear();
        target.writeShort(keyGroup);
        target.writeShort(stateId);
        writeVarInt(target, keyLength);
        target.write(source, keyOffset, keyLength);
        writeVarInt(target, namespaceLength);
        target.write(source, namespaceOffset, namespaceLength);
        return target.length();
    }

    private <N> void serializeNamespace(N namespace, TypeSerializer<N> namespaceSerializer) {
        if (namespace == serializedNamespace
                && namespaceSerializer == serializedNamespaceSerializer) {
            return;
        }
        try {
            part.clear();
            namespaceSerializer.serialize(namespace, part);
            namespacePart.clear();
            writeVarInt(namespacePart, part.length());
            namespacePart.write(part.getSharedBuffer(), 0, part.length());
        } catch (IOException e) {
            serializedNamespace = null;
            throw new IllegalStateException("Cannot serialize the namespace " + namespace, e);
        }
        serializedNamespace = namespace;
        serializedNamespaceSerializer = namespaceSerializer;
    }

    private void startRow(int stateId) {
        byte[] bytes = out.getSharedBuffer();
        bytes[STATE_ID_OFFSET] = (byte) (stateId >>> 8);
        bytes[STATE_ID_OFFSET + 1] = (byte) stateId;
        out.setPosition(keyPrefixLength);
    }

    private void writePrefixedPart() throws IOException {
        writeVarInt(out, part.length());
        out.write(part.getSharedBuffer(), 0, part.length());
    }

    static void writeVarInt(DataOutputSerializer target, int value) throws IOException {
        while ((value & ~0x7F) != 0) {
            target.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        target.writeByte(value);
    }
}
