package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.StateSnapshotTransformer.StateSnapshotTransformFactory;
import org.apache.flink.runtime.state.internal.InternalKvState;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.util.StateMigrationException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keyed states of one backend, by name, each with its store state id (assigned in order of
 * registration, so iteration order is id order, which snapshots rely on).
 *
 * <p>Registering a state that already exists (restored, or asked for again) checks the new
 * serializers against the registered ones as Flink's compatibility contract says: the namespace
 * serializer must stay compatible as is; a value serializer that is compatible after migration has
 * every stored value of the state rewritten ({@link StateMigration}); an incompatible one fails
 * with a {@link StateMigrationException} naming both serializers.
 */
public final class KeyedStateRegistry<K> {

    private final Map<String, RegisteredKvState> states = new LinkedHashMap<>();
    private final TtlCompactionFilter ttlFilter;
    private int nextStateId;

    /** A registry that configures the store's compaction filter for each TTL state it creates. */
    public KeyedStateRegistry(TtlCompactionFilter ttlFilter) {
        this.ttlFilter = ttlFilter;
    }

    /** Registers a state found in a snapshot being restored; the first handle registers it. */
    public RegisteredKvState registerRestored(StateMetaInfoSnapshot snapshot) {
        RegisteredKvState existing = states.get(snapshot.getName());
        if (existing != null) {
            return existing;
        }
        return add(
                (RegisteredKeyValueStateBackendMetaInfo<?, ?>)
                        RegisteredKeyValueStateBackendMetaInfo.fromMetaInfoSnapshot(snapshot));
    }

    /** Creates the state for a descriptor, or updates the existing one; see the class comment. */
    @SuppressWarnings("unchecked")
    public <N, SV, SEV, S extends State, IS extends S> IS createOrUpdateState(
            StateContext<K> context,
            TypeSerializer<N> namespaceSerializer,
            StateDescriptor<S, SV> descriptor,
            StateSnapshotTransformFactory<SEV> snapshotTransformFactory,
            boolean allowFutureMetadataUpdates)
            throws Exception {
        RegisteredKvState registered = states.get(descriptor.getName());
        RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo;
        boolean migrate = false;
        if (registered == null) {
            metaInfo =
                    new RegisteredKeyValueStateBackendMetaInfo<>(
                            descriptor.getType(),
                            descriptor.getName(),
                            namespaceSerializer,
                            descriptor.getSerializer());
            registered = add(metaInfo);
        } else {
            if (registered.state() instanceof AbstractSingleValueState) {
                // Objects the tier holds are written back with the serializer they were read
                // with, before the serializers change and a migration rewrites the stored values.
                ((AbstractSingleValueState<?, ?, ?>) registered.state()).leaveObjectTier();
            }
            metaInfo = (RegisteredKeyValueStateBackendMetaInfo<N, SV>) registered.metaInfo();
            migrate = updateSerializers(metaInfo, descriptor, namespaceSerializer);
        }

        IS state = StateFactories.createOrUpdate(descriptor, metaInfo, registered, context);
        if (migrate) {
            StateMigration.migrate(registered, (AbstractSpillwayState<K, N, SV>) state, context);
        }
        if (allowFutureMetadataUpdates) {
            metaInfo = metaInfo.withSerializerUpgradesAllowed();
        }
        metaInfo.updateSnapshotTransformFactory(
                SerializedSnapshotTransforms.wrap(
                        descriptor.getType(),
                        snapshotTransformFactory,
                        metaInfo.getStateSerializer()));
        registered.setMetaInfo(metaInfo);
        registered.setState((InternalKvState<?, ?, ?>) state);
        // A restored state is filtered from here on: its TTL is known only from the descriptor.
        ttlFilter.configure(registered.stateId(), descriptor);
        return state;
    }

    /** Returns whether the stored values need migrating to the new value serializer. */
    private static <N, SV> boolean updateSerializers(
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            StateDescriptor<?, SV> descriptor,
            TypeSerializer<N> namespaceSerializer)
            throws StateMigrationException {
        TypeSerializer<N> previousNamespaceSerializer = metaInfo.getNamespaceSerializer();
        TypeSerializerSchemaCompatibility<N> namespaceCompatibility =
                metaInfo.updateNamespaceSerializer(namespaceSerializer);
        if (namespaceCompatibility.isCompatibleAfterMigration()
                || namespaceCompatibility.isIncompatible()) {
            throw new StateMigrationException(
                    "The new namespace serializer ("
                            + namespaceSerializer
                            + ") of state '"
                            + descriptor.getName()
                            + "' must be compatible as is with the old namespace serializer ("
                            + previousNamespaceSerializer
                            + ").");
        }

        metaInfo.checkStateMetaInfo(descriptor);

        TypeSerializer<SV> previousStateSerializer = metaInfo.getStateSerializer();
        TypeSerializerSchemaCompatibility<SV> stateCompatibility =
                metaInfo.updateStateSerializer(descriptor.getSerializer());
        if (stateCompatibility.isIncompatible()) {
            throw new StateMigrationException(
                    "The new state serializer ("
                            + descriptor.getSerializer()
                            + ") of state '"
                            + descriptor.getName()
                            + "' is incompatible with the old state serializer ("
                            + previousStateSerializer
                            + "). Restore with a serializer that can read the old data.");
        }
        return stateCompatibility.isCompatibleAfterMigration();
    }

    private RegisteredKvState add(RegisteredKeyValueStateBackendMetaInfo<?, ?> metaInfo) {
        RegisteredKvState registered =
                new RegisteredKvState(newStateId(metaInfo.getName()), metaInfo);
        states.put(metaInfo.getName(), registered);
        return registered;
    }

    /**
     * Takes the next free store state id for a state kept in the store beside the keyed states
     * (a timer queue), so that the two never share an id.
     */
    public int newStateId(String stateName) {
        if (nextStateId > CompositeKey.MAX_STATE_ID) {
            throw new IllegalStateException(
                    "Too many keyed states and timer queues: at most "
                            + (CompositeKey.MAX_STATE_ID + 1)
                            + " per operator, cannot register '"
                            + stateName
                            + "'");
        }
        return nextStateId++;
    }

    /** The state registered under the name, or {@code null}. */
    public RegisteredKvState get(String name) {
        return states.get(name);
    }

    /** All registered states in state-id order. */
    public List<RegisteredKvState> all() {
        return Collections.unmodifiableList(new ArrayList<>(states.values()));
    }

    /**
     * Whether some state transforms its entries when a full snapshot is written (TTL's
     * full-snapshot cleanup): such snapshots must be written entry by entry, not by copying runs.
     */
    public boolean transformsFullSnapshots() {
        for (RegisteredKvState state : values()) {
            if (state.metaInfo()
                    .getStateSnapshotTransformFactory()
                    .createForSerializedState()
                    .isPresent()) {
                return true;
            }
        }
        return false;
    }

    Collection<RegisteredKvState> values() {
        return states.values();
    }
}
