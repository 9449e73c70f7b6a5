package dev.spillway.backend.state;

import org.apache.flink.runtime.state.internal.InternalValueState;

import java.io.IOException;

/**
 * {@code ValueState}: one stored entry per row holding the serialized value, and at {@link
 * StorageLevel#MEMORY_AND_DISK} the value as an object in the tier ({@link
 * AbstractSingleValueState}).
 */
final class SpillwayValueState<K, N, V> extends AbstractSingleValueState<K, N, V>
        implements InternalValueState<K, N, V> {

    SpillwayValueState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    @Override
    public V value() throws IOException {
        V value = readValue();
        return value == null ? copyOfDefaultValue() : value;
    }

    @Override
    public void update(V value) throws IOException {
        writeValue(value);
    }
}
