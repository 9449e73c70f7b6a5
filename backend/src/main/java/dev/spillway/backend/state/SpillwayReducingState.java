package dev.spillway.backend.state;

import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalReducingState;

/** {@code ReducingState}: one entry per row holding the reduced value. */
final class SpillwayReducingState<K, N, V> extends AbstractSpillwayMergingState<K, N, V, V, V>
        implements InternalReducingState<K, N, V> {

    private ReduceFunction<V> reduceFunction;

    SpillwayReducingState(StateContext<K> context, int stateId) {
        super(context, stateId);
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

    @Override
    void configure(
            StateDescriptor<?, V> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, V> metaInfo) {
        super.configure(descriptor, metaInfo);
        this.reduceFunction = ((ReducingStateDescriptor<V>) descriptor).getReduceFunction();
    }
}
