package dev.spillway.backend.state;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalAggregatingState;

/** {@code AggregatingState}: one entry per row holding the serialized accumulator. */
final class SpillwayAggregatingState<K, N, IN, ACC, OUT>
        extends AbstractSpillwayMergingState<K, N, IN, ACC, OUT>
        implements InternalAggregatingState<K, N, IN, ACC, OUT> {

    private AggregateFunction<IN, ACC, OUT> aggregateFunction;

    SpillwayAggregatingState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    @Override
    public OUT get() throws Exception {
        ACC accumulator = getInternal();
        return accumulator == null ? null : aggregateFunction.getResult(accumulator);
    }

    @Override
    public void add(IN value) throws Exception {
        if (value == null) {
            clear();
            return;
        }
        ACC accumulator = getInternal();
        if (accumulator == null) {
            accumulator = aggregateFunction.createAccumulator();
        }
        updateInternal(aggregateFunction.add(value, accumulator));
    }

    @Override
    ACC merge(ACC a, ACC b) {
        return aggregateFunction.merge(a, b);
    }

    @Override
    @SuppressWarnings("unchecked")
    void configure(
            StateDescriptor<?, ACC> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, ACC> metaInfo) {
        super.configure(descriptor, metaInfo);
        this.aggregateFunction =
                ((AggregatingStateDescriptor<IN, ACC, OUT>) descriptor).getAggregateFunction();
    }
}
