package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.ttl.TtlAwareSerializer;
import org.apache.flink.util.StateMigrationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites every stored value of one state from its previous serializer's format to the new one (a
 * serializer that reported "compatible after migration"). Keys are not migrated: the key, the
 * namespace and a map's user key must stay compatible as they are, because they are part of the
 * store's sort order.
 */
final class StateMigration {

    private static final Logger LOG = LoggerFactory.getLogger(StateMigration.class);

    private StateMigration() {}

    @SuppressWarnings("unchecked")
    static <K, N, SV> void migrate(
            RegisteredKvState registered,
            AbstractSpillwayState<K, N, SV> state,
            StateContext<K> context)
            throws Exception {
        RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo =
                (RegisteredKeyValueStateBackendMetaInfo<N, SV>) registered.metaInfo();
        if (metaInfo.getStateType() == StateDescriptor.Type.MAP) {
            checkMapKeysUnchanged(metaInfo);
        }
        LOG.info(
                "Migrating the values of state '{}' because its serializer's format changed.",
                metaInfo.getName());

        TypeSerializer<SV> prior =
                (TypeSerializer<SV>)
                        TtlAwareSerializer.wrapTtlAwareSerializer(
                                metaInfo.getPreviousStateSerializer());
        TypeSerializer<SV> current =
                (TypeSerializer<SV>)
                        TtlAwareSerializer.wrapTtlAwareSerializer(metaInfo.getStateSerializer());

        StateStore store = context.store();
        DataInputDeserializer oldValue = new DataInputDeserializer();
        DataOutputSerializer newValue = new DataOutputSerializer(256);
        byte[] prefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
        for (int keyGroup : context.keyGroupRange()) {
            CompositeKey.writeStatePrefix(prefix, keyGroup, registered.stateId());
            try (StoreCursor cursor = store.scan(prefix, prefix.length)) {
                while (cursor.next()) {
                    byte[] key = cursor.key();
                    oldValue.setBuffer(cursor.value());
                    newValue.clear();
                    state.migrateSerializedValue(oldValue, newValue, prior, current);
                    store.put(key, key.length, newValue.getSharedBuffer(), 0, newValue.length());
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <UK> void checkMapKeysUnchanged(
            RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo) throws StateMigrationException {
        MapSerializerSnapshot<UK, ?> previous =
                (MapSerializerSnapshot<UK, ?>) metaInfo.getPreviousStateSerializerSnapshot();
        MapSerializer<UK, ?> current = (MapSerializer<UK, ?>) metaInfo.getStateSerializer();
        TypeSerializerSnapshot<UK> previousKeys =
                (TypeSerializerSnapshot<UK>) previous.getKeySerializerSnapshot();
        if (!current.getKeySerializer()
                .snapshotConfiguration()
                .resolveSchemaCompatibility(previousKeys)
                .isCompatibleAsIs()) {
            throw new StateMigrationException(
                    "The new serializer of MapState '"
                            + metaInfo.getName()
                            + "' changes the map key schema; only the value schema of a MapState"
                            + " can evolve, because its keys are part of the store's order.");
        }
    }
}
