package dev.spillway.backend.state;

import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.util.FlinkRuntimeException;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Creates the state object for a descriptor's type, or updates an existing one. Both go through
 * {@link AbstractSpillwayState#configure}, so a new state and a re-registered one are configured
 * from the descriptor in exactly the same way.
 */
final class StateFactories {

    private static final Map<StateDescriptor.Type, BiFunction<StateContext<?>, Integer, ?>>
            CONSTRUCTORS = new EnumMap<>(StateDescriptor.Type.class);

    static {
        CONSTRUCTORS.put(StateDescriptor.Type.VALUE, SpillwayValueState::new);
        CONSTRUCTORS.put(StateDescriptor.Type.LIST, SpillwayListState::new);
        CONSTRUCTORS.put(StateDescriptor.Type.MAP, SpillwayMapState::new);
        CONSTRUCTORS.put(StateDescriptor.Type.REDUCING, SpillwayReducingState::new);
        CONSTRUCTORS.put(StateDescriptor.Type.AGGREGATING, SpillwayAggregatingState::new);
    }

    private StateFactories() {}

    @SuppressWarnings("unchecked")
    static <K, N, SV, S extends State, IS extends S> IS createOrUpdate(
            StateDescriptor<S, SV> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            RegisteredKvState registered,
            StateContext<K> context) {
        AbstractSpillwayState<K, N, SV> state =
                (AbstractSpillwayState<K, N, SV>) registered.state();
        if (state == null) {
            BiFunction<StateContext<?>, Integer, ?> constructor =
                    CONSTRUCTORS.get(descriptor.getType());
            if (constructor == null) {
                throw new FlinkRuntimeException(
                        "State type "
                                + descriptor.getType()
                                + " of '"
                                + descriptor.getName()
                                + "' is not supported by the Spillway state backend");
            }
            state =
                    (AbstractSpillwayState<K, N, SV>)
                            constructor.apply(context, registered.stateId());
        }
        state.configure(descriptor, metaInfo);
        return (IS) state;
    }
}
