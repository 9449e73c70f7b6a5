package dev.spillway.backend;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.compaction.CompactionFilter;

import org.apache.flink.runtime.state.StateBackend.KeyedStateBackendParameters;

import java.io.IOException;
import java.io.Serializable;

/**
 * The one place where a keyed backend gets its storage engine. The backend creates one store per
 * keyed state backend (one per operator subtask) and closes it on dispose; closing the store must
 * release everything the store holds (memory, spill files).
 *
 * <p>The factory travels with the {@link SpillwayStateBackend} from the client to the task
 * managers, so it is serializable and must not hold resources itself.
 */
@FunctionalInterface
public interface StateStoreFactory extends Serializable {

    /**
     * Creates an empty store for the keyed backend described by the parameters. A store that
     * compacts runs the filter over what it merges (the state layer drops expired TTL state with
     * it); a store that never compacts may ignore it.
     */
    StateStore createStore(KeyedStateBackendParameters<?> parameters, CompactionFilter filter)
            throws IOException;
}
