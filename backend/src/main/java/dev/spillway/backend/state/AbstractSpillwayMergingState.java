package dev.spillway.backend.state;

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

    AbstractSpillwayMergingState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    /** Combines two accumulators into one. */
    abstract SV merge(SV a, SV b) throws Exception;

    @Override
    public SV getInternal() throws IOException {
        return readCurrent();
    }

    @Override
    public void updateInternal(SV value) throws IOException {
        writeCurrent(value);
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
        serializeToValueOut(merged, valueSerializer);
        putValueOut(keyBuffer(), row);
    }
}
