package dev.spillway.backend.state;

import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.util.FlinkRuntimeException;

import java.util.EnumMap;
import java.util.Map;

/** Creates the state object for a descriptor's type, or refreshes an existing one. */
final class StateFactories {

    @FunctionalInterface
    private interface Creator {
        <K, N, SV, S extends State, IS extends S> IS create(
                StateDescriptor<S, SV> descriptor,
                RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
                int stateId,
                StateContext<K> context);
    }

    private static final Map<StateDescriptor.Type, Creator> CREATORS =
            new EnumMap<>(StateDescriptor.Type.class);

    static {
        CREATORS.put(StateDescriptor.Type.VALUE, SpillwayValueState::create);
        CREATORS.put(StateDescriptor.Type.LIST, SpillwayListState::create);
        CREATORS.put(StateDescriptor.Type.MAP, SpillwayMapState::create);
        CREATORS.put(StateDescriptor.Type.REDUCING, SpillwayReducingState::create);
        CREATORS.put(StateDescriptor.Type.AGGREGATING, SpillwayAggregatingState::create);
    }

    private StateFactories() {}

    @SuppressWarnings("unchecked")
    static <K, N, SV, S extends State, IS extends S> IS createOrUpdate(
            StateDescriptor<S, SV> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            RegisteredKvState registered,
            StateContext<K> context) {
        IS existing = (IS) registered.state();
        if (existing == null) {
            Creator creator = CREATORS.get(descriptor.getType());
            if (creator == null) {
                throw new FlinkRuntimeException(
                        "State type "
                                + descriptor.getType()
                                + " of '"
                                + descriptor.getName()
                                + "' is not supported by the Spillway state backend");
            }
            return creator.create(descriptor, metaInfo, registered.stateId(), context);
        }
        ((AbstractSpillwayState<K, N, SV>) existing)
                .withSerializers(metaInfo.getNamespaceSerializer(), metaInfo.getStateSerializer())
                .withDefaultValue(descriptor.getDefaultValue());
        switch (descriptor.getType()) {
            case REDUCING:
                return SpillwayReducingState.update(descriptor, existing);
            case AGGREGATING:
                return SpillwayAggregatingState.update(descriptor, existing);
            default:
                return existing;
        }
    }
}
