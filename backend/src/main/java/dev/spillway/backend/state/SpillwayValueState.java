package dev.spillway.backend.state;

import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.RegisteredKeyValueStateBackendMetaInfo;
import org.apache.flink.runtime.state.internal.InternalValueState;

import java.io.IOException;

/** {@code ValueState}: one stored entry per row holding the serialized value. */
final class SpillwayValueState<K, N, V> extends AbstractSpillwayState<K, N, V>
        implements InternalValueState<K, N, V> {

    private SpillwayValueState(
            StateContext<K> context,
            int stateId,
            TypeSerializer<N> namespaceSerializer,
            TypeSerializer<V> valueSerializer,
            V defaultValue) {
        super(context, stateId, namespaceSerializer, valueSerializer, defaultValue);
    }

    @Override
    public V value() throws IOException {
        int row = currentRow();
        byte[] bytes = store().get(keyBuffer(), row);
        return bytes == null ? copyOfDefaultValue() : deserialize(bytes);
    }

    @Override
    public void update(V value) throws IOException {
        if (value == null) {
            clear();
            return;
        }
        byte[] bytes = serialize(value);
        int row = currentRow();
        store().put(keyBuffer(), row, bytes, 0, bytes.length);
    }

    @SuppressWarnings("unchecked")
    static <K, N, SV, S extends State, IS extends S> IS create(
            StateDescriptor<S, SV> descriptor,
            RegisteredKeyValueStateBackendMetaInfo<N, SV> metaInfo,
            int stateId,
            StateContext<K> context) {
        return (IS)
                new SpillwayValueState<>(
                        context,
                        stateId,
                        metaInfo.getNamespaceSerializer(),
                        metaInfo.getStateSerializer(),
                        descriptor.getDefaultValue());
    }
}
