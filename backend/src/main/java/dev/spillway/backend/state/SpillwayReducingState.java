package dev.spillway.backend.state;

import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalReducingState;

/** {@code ReducingState}: one entry per row holding the reduced value. */
final class SpillwayReducingState<K, N, V> extends AbstractSpillwayMergingState<K, N, V, V, V>
        implements InternalReducingState<K, N, V> {

    private ReduceFunction<V> reduceFunction;

    private SpillwayReducingState(
            StateContext<K> context,
            int stateId,
            TypeSerializer<N> namespaceSerializer,
            TypeSerializer<V> valueSerializer,
            V defaultValue,
            ReduceFunction<V> reduceFunction) {
        super(context, stateId, namespaceSerializer, valueSerializer, defaultValue);
        this.reduceFunction = reduceFunction;
    }

    @Override
    public V get() throws Exception {
        return getInternal();
    }

    @Override
    public void add(V value) throws Exception {
        if (value == null) {
            clear();
            return;
        }
        V current = getInternal();
        updateInternal(current == null ? value : reduceFunction.reduce(current, value));
    }

    @Override
    V merge(V a, V b) throws Exception {
        return reduceFunction.reduce(a, b);
    }

    SpillwayReducingState<K, N, V> withReduceFunction(ReduceFunction<V> reduceFunction) {
        this.reduceFunction = reduceFunction;
        return this;
    }

    @SuppressWarnings("unchecked")
    static <K, N, SV, S extends State, IS extends S> IS create(
            StateDescriptor<S, SV> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            int stateId,
            StateContext<K> context) {
        return (IS)
                new SpillwayReducingState<>(
                        context,
                        stateId,
                        metaInfo.getNamespaceSerializer(),
                        metaInfo.getStateSerializer(),
                        descriptor.getDefaultValue(),
                        ((ReducingStateDescriptor<SV>) descriptor).getReduceFunction());
    }

    @SuppressWarnings("unchecked")
    static <S extends State, SV, IS extends S> IS update(
            StateDescriptor<S, SV> descriptor, IS existing) {
        return (IS)
                ((SpillwayReducingState<?, ?, SV>) existing)
                        .withReduceFunction(
                                ((ReducingStateDescriptor<SV>) descriptor).getReduceFunction());
    }
}
