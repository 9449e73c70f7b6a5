package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.CompositeKeySerializationUtils;

import java.io.IOException;

/**
 * Translates keys between the store's layout and Flink's canonical (RocksDB-style) savepoint
 * layout.
 *
 * <pre>
 *   store:     [kg: 2B][state id: 2B][varint len][key][varint len][namespace][user key]
 *   canonical: [kg: 1B or 2B][key][len?][namespace][len?][user key]
 * </pre>
 *
 * <p>The canonical key group takes one byte when the job has at most 128 key groups. The canonical
 * layout has no state id (the stream carries it) and writes a length after the key and after the
 * namespace only when both serializers are variable-sized ("ambiguous"), in RocksDB's little-endian
 * base-256 form. Store to canonical is therefore pure byte shuffling; canonical to store needs the
 * serializers to find where the key and the namespace end.
 */
final class CanonicalKeys {

    private final int keyGroupPrefixBytes;
    private final DataInputDeserializer in = new DataInputDeserializer();
    private final DataOutputSerializer out = new DataOutputSerializer(64);

    CanonicalKeys(int numberOfKeyGroups) {
        this.keyGroupPrefixBytes =
                CompositeKeySerializationUtils.computeRequiredBytesInKeyGroupPrefix(
                        numberOfKeyGroups);
    }

    int keyGroupPrefixBytes() {
        return keyGroupPrefixBytes;
    }

    /**
     * The canonical form of a store key of a keyed state. Built straight into an array of the
     * exact size: a full snapshot converts every key, and going through a {@code
     * DataOutputSerializer} (a capacity check per byte, then a copy of the buffer) was a tenth of
     * the snapshot scan in a JFR profile. The bytes are those of Flink's {@code
     * CompositeKeySerializationUtils} (key group big-endian, lengths little-endian base 256).
     */
    byte[] toCanonical(byte[] storeKey, boolean ambiguousKeyPossible) {
        int length = storeKey.length;
        int keyOffset = CompositeKey.keyOffset(storeKey, length);
        int keyLength = CompositeKey.keyLength(storeKey, length);
        int namespaceOffset = CompositeKey.namespaceOffset(storeKey, length);
        int namespaceLength = CompositeKey.namespaceLength(storeKey, length);
        int rowEnd = namespaceOffset + namespaceLength;
        int userKeyLength = length - rowEnd;

        int size = keyGroupPrefixBytes + keyLength + namespaceLength + userKeyLength;
        if (ambiguousKeyPossible) {
            size += variableIntBytes(keyLength) + variableIntBytes(namespaceLength);
        }
        byte[] canonical = new byte[size];
        int keyGroup = CompositeKey.keyGroup(storeKey);
        int at = 0;
        for (int i = keyGroupPrefixBytes; --i >= 0; ) {
            canonical[at++] = (byte) (keyGroup >>> (i << 3));
        }
        System.arraycopy(storeKey, keyOffset, canonical, at, keyLength);
        at += keyLength;
        if (ambiguousKeyPossible) {
            at = writeVariableInt(keyLength, canonical, at);
        }
        System.arraycopy(storeKey, namespaceOffset, canonical, at, namespaceLength);
        at += namespaceLength;
        if (ambiguousKeyPossible) {
            at = writeVariableInt(namespaceLength, canonical, at);
        }
        System.arraycopy(storeKey, rowEnd, canonical, at, userKeyLength);
        return canonical;
    }

    /** Bytes of Flink's {@code writeVariableIntBytes}: base 256, least significant first. */
    private static int variableIntBytes(int value) {
        int bytes = 1;
        while ((value >>>= 8) != 0) {
            bytes++;
        }
        return bytes;
    }

    private static int writeVariableInt(int value, byte[] target, int at) {
        do {
            target[at++] = (byte) value;
            value >>>= 8;
        } while (value != 0);
        return at;
    }

    /**
     * The store form of a canonical key of the given state, found by deserializing the key and the
     * namespace with the serializers that wrote them.
     */
    byte[] toStore(
            byte[] canonical,
            int stateId,
            TypeSerializer<?> keySerializer,
            TypeSerializer<?> namespaceSerializer)
            throws IOException {
        boolean ambiguous =
                CompositeKeySerializationUtils.isAmbiguousKeyPossible(
                        keySerializer, namespaceSerializer);
        in.setBuffer(canonical);
        int keyGroup =
                CompositeKeySerializationUtils.extractKeyGroup(keyGroupPrefixBytes, canonical);
        in.skipBytesToRead(keyGroupPrefixBytes);

        int keyStart = in.getPosition();
        keySerializer.deserialize(in);
        int keyLength = in.getPosition() - keyStart;
        if (ambiguous) {
            CompositeKeySerializationUtils.readVariableIntBytes(in, keyLength);
        }
        int namespaceStart = in.getPosition();
        namespaceSerializer.deserialize(in);
        int namespaceLength = in.getPosition() - namespaceStart;
        if (ambiguous) {
            CompositeKeySerializationUtils.readVariableIntBytes(in, namespaceLength);
        }
        int userKeyStart = in.getPosition();

        StateKeyBuilder.writeRow(
                out,
                keyGroup,
                stateId,
                canonical,
                keyStart,
                keyLength,
                namespaceStart,
                namespaceLength);
        out.write(canonical, userKeyStart, canonical.length - userKeyStart);
        return out.getCopyOfBuffer();
    }
}
