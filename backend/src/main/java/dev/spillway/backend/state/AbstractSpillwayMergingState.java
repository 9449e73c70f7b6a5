package dev.spillway.backend.state;

import org.apache.flink.runtime.state.internal.InternalMergingState;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;

/**
 * Base of the states that keep one accumulated value per row (reducing, aggregating): reading and
 * writing the accumulator, and merging namespaces by folding every source's accumulator into the
 * target's.
 */
abstract class AbstractSpillwayMergingState<K, N, IN, SV, OUT>
        extends AbstractSingleValueState<K, N, SV> implements InternalMergingState<K, N, IN, SV, OUT> {

    AbstractSpillwayMergingState(StateContext<K> context, int stateId) {
        super(context, stateId);
    }

    /** Combines two accumulators into one. */
    abstract SV merge(SV a, SV b) throws Exception;

    @Override
    public SV getInternal() throws IOException {
        return readValue();
    }

    @Override
    public void updateInternal(SV value) throws IOException {
        writeValue(value);
    }

    /**
     * Folds the sources' accumulators into the target's. The rows go through {@link #readRow},
     * {@link #deleteRow} and {@link #writeRow}, which see the object tier's newer values.
     */
    @Override
    public void mergeNamespaces(N target, Collection<N> sources) throws Exception {
        if (sources == null || sources.isEmpty()) {
            return;
        }
        SV merged = null;
        for (N source : sources) {
            byte[] row = row(source);
            SV value = readRow(row);
            if (value != null) {
                deleteRow(row);
                merged = merged == null ? value : merge(merged, value);
            }
        }
        if (merged == null) {
            return;
        }
        byte[] row = row(target);
        SV existing = readRow(row);
        writeRow(row, existing == null ? merged : merge(existing, merged));
    }

    private byte[] row(N namespace) {
        int length = context.keys().buildRow(stateId, namespace, namespaceSerializer);
        return Arrays.copyOf(keyBuffer(), length);
    }
}
