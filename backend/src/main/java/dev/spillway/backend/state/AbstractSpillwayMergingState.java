package dev.spillway.backend.state;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.internal.InternalMergingState;

import java.io.IOException;
import java.util.Collection;

/**
 * Base of the states that keep one accumulated value per row (reducing, aggregating): reading and
 * writing the accumulator, and merging namespaces by folding every source's accumulator into the
 * target's.
 */
abstract class AbstractSpillwayMergingState<K, N, IN, SV, OUT>
        extends AbstractSpillwayState<K, N, SV> implements InternalMergingState<K, N, IN, SV, OUT> {

    AbstractSpillwayMergingState(
            StateContext<K> context,
            int stateId,
            TypeSerializer<N> namespaceSerializer,
            TypeSerializer<SV> valueSerializer,
            SV defaultValue) {
        super(context, stateId, namespaceSerializer, valueSerializer, defaultValue);
    }

    /** Combines two accumulators into one. */
    abstract SV merge(SV a, SV b) throws Exception;

    @Override
    public SV getInternal() throws IOException {
        int row = currentRow();
        byte[] bytes = store().get(keyBuffer(), row);
        return bytes == null ? null : deserialize(bytes);
    }

    @Override
    public void updateInternal(SV value) throws IOException {
        if (value == null) {
            clear();
            return;
        }
        byte[] bytes = serialize(value);
        int row = currentRow();
        store().put(keyBuffer(), row, bytes, 0, bytes.length);
    }

    @Override
    public void mergeNamespaces(N target, Collection<N> sources) throws Exception {
        if (sources == null || sources.isEmpty()) {
            return;
        }
        SV merged = null;
        for (N source : sources) {
            int row = context.keys().buildRow(stateId, source, namespaceSerializer);
            byte[] bytes = store().get(keyBuffer(), row);
            if (bytes != null) {
                store().delete(keyBuffer(), row);
                SV value = deserialize(bytes);
                merged = merged == null ? value : merge(merged, value);
            }
        }
        if (merged == null) {
            return;
        }
        int row = context.keys().buildRow(stateId, target, namespaceSerializer);
        byte[] existing = store().get(keyBuffer(), row);
        if (existing != null) {
            merged = merge(deserialize(existing), merged);
        }
        byte[] bytes = serialize(merged);
        row = context.keys().buildRow(stateId, target, namespaceSerializer);
        store().put(keyBuffer(), row, bytes, 0, bytes.length);
    }
}
