package dev.spillway.backend.state;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalAggregatingState;

/** {@code AggregatingState}: one entry per row holding the serialized accumulator. */
final class SpillwayAggregatingState<K, N, IN, ACC, OUT>
        extends AbstractSpillwayMergingState<K, N, IN, ACC, OUT>
        implements InternalAggregatingState<K, N, IN, ACC, OUT> {

    private AggregateFunction<IN, ACC, OUT> aggregateFunction;

    private SpillwayAggregatingState(
            StateContext<K> context,
            int stateId,
            TypeSerializer<N> namespaceSerializer,
            TypeSerializer<ACC> valueSerializer,
            ACC defaultValue,
            AggregateFunction<IN, ACC, OUT> aggregateFunction) {
        super(context, stateId, namespaceSerializer, valueSerializer, defaultValue);
        this.aggregateFunction = aggregateFunction;
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

    SpillwayAggregatingState<K, N, IN, ACC, OUT> withAggregateFunction(
            AggregateFunction<IN, ACC, OUT> aggregateFunction) {
        this.aggregateFunction = aggregateFunction;
        return this;
    }

    @SuppressWarnings("unchecked")
    static <K, N, SV, S extends State, IS extends S> IS create(
            StateDescriptor<S, SV> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            int stateId,
            StateContext<K> context) {
        return (IS)
                new SpillwayAggregatingState<>(
                        context,
                        stateId,
                        metaInfo.getNamespaceSerializer(),
                        metaInfo.getStateSerializer(),
                        descriptor.getDefaultValue(),
                        ((AggregatingStateDescriptor<Object, SV, Object>) descriptor)
                                .getAggregateFunction());
    }

    @SuppressWarnings("unchecked")
    static <S extends State, SV, IS extends S> IS update(
            StateDescriptor<S, SV> descriptor, IS existing) {
        return (IS)
                ((SpillwayAggregatingState<?, ?, Object, SV, Object>) existing)
                        .withAggregateFunction(
                                ((AggregatingStateDescriptor<Object, SV, Object>) descriptor)
                                        .getAggregateFunction());
    }
}
