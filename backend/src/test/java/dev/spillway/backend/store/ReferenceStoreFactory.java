package dev.spillway.backend.store;

import dev.spillway.backend.StateStoreFactory;
import dev.spillway.backend.store.compaction.CompactionFilter;

import org.apache.flink.runtime.state.StateBackend.KeyedStateBackendParameters;

/** Gives every keyed backend a fresh {@link ReferenceStore}: the state layer without the engine. */
public final class ReferenceStoreFactory implements StateStoreFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public StateStore createStore(
            KeyedStateBackendParameters<?> parameters, CompactionFilter filter) {
        // The reference store never compacts, so it has nothing to filter.
        return new ReferenceStore();
    }

    @Override
    public String toString() {
        return "reference";
    }
}
