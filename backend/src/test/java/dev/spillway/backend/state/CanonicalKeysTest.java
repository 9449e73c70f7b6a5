package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.state.CompositeKeySerializationUtils;
import org.apache.flink.runtime.state.SerializedCompositeKeyBuilder;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store layout and Flink's canonical key layout translate into each other exactly: the
 * canonical side is checked against Flink's own RocksDB key builder, for fixed and variable sized
 * keys and namespaces (the "ambiguous" case with length suffixes) and both key-group widths.
 */
class CanonicalKeysTest {

    @Test
    void variableSizedKeyAndNamespaceWithUserKey() throws Exception {
        assertRoundTrip(StringSerializer.INSTANCE, "some key", StringSerializer.INSTANCE, "window-7", 128, 77, "user");
        assertRoundTrip(StringSerializer.INSTANCE, "", StringSerializer.INSTANCE, "", 4096, 4000, "");
    }

    @Test
    void lengthsOfMoreThanOneByte() throws Exception {
        String longKey = "k".repeat(300); // serialized length 301: two length bytes
        String longNamespace = "n".repeat(70_000); // three length bytes
        assertRoundTrip(StringSerializer.INSTANCE, longKey, StringSerializer.INSTANCE, longNamespace, 128, 1, "u");
        assertRoundTrip(StringSerializer.INSTANCE, longKey, StringSerializer.INSTANCE, "ns", 4096, 300, null);
    }

    @Test
    void fixedSizedKeyOrNamespace() throws Exception {
        assertRoundTrip(LongSerializer.INSTANCE, 42L, StringSerializer.INSTANCE, "ns", 128, 3, null);
        assertRoundTrip(StringSerializer.INSTANCE, "k", IntSerializer.INSTANCE, 9, 32768, 32767, null);
        assertRoundTrip(
                IntSerializer.INSTANCE,
                -1,
                VoidNamespaceSerializer.INSTANCE,
                VoidNamespace.INSTANCE,
                16,
                15,
                "u");
    }

    private static <K, N> void assertRoundTrip(
            TypeSerializer<K> keySerializer,
            K key,
            TypeSerializer<N> namespaceSerializer,
            N namespace,
            int numberOfKeyGroups,
            int keyGroup,
            String userKey)
            throws Exception {
        int stateId = 513;
        StateKeyBuilder<K> ours = new StateKeyBuilder<>(keySerializer);
        ours.setCurrentKey(key, keyGroup);
        int length =
                userKey == null
                        ? ours.buildRow(stateId, namespace, namespaceSerializer)
                        : ours.buildMapEntry(
                                stateId, namespace, namespaceSerializer, userKey,
                                StringSerializer.INSTANCE);
        byte[] storeKey = Arrays.copyOf(ours.buffer(), length);

        SerializedCompositeKeyBuilder<K> flink =
                new SerializedCompositeKeyBuilder<>(
                        keySerializer,
                        CompositeKeySerializationUtils.computeRequiredBytesInKeyGroupPrefix(
                                numberOfKeyGroups),
                        32);
        flink.setKeyAndKeyGroup(key, keyGroup);
        byte[] canonical =
                userKey == null
                        ? flink.buildCompositeKeyNamespace(namespace, namespaceSerializer)
                        : flink.buildCompositeKeyNamesSpaceUserKey(
                                namespace, namespaceSerializer, userKey, StringSerializer.INSTANCE);

        CanonicalKeys keys = new CanonicalKeys(numberOfKeyGroups);
        boolean ambiguous =
                CompositeKeySerializationUtils.isAmbiguousKeyPossible(
                        keySerializer, namespaceSerializer);
        assertThat(keys.toCanonical(storeKey, ambiguous)).isEqualTo(canonical);
        assertThat(keys.toStore(canonical, stateId, keySerializer, namespaceSerializer))
                .isEqualTo(storeKey);
        assertThat(CompositeKey.keyGroup(storeKey)).isEqualTo(keyGroup);
        assertThat(CompositeKey.stateId(storeKey)).isEqualTo(stateId);
    }
}
