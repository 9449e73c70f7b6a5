package dev.spillway.backend;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.SpillableStore;
import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreSettings;
import dev.spillway.backend.store.compaction.CompactionFilter;

import org.apache.flink.runtime.state.StateBackend.KeyedStateBackendParameters;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Real {@link SpillableStore}s, each in its own fixed memory budget: with a budget of a few pages
 * the store evicts to runs and compacts while a conformance suite runs over it. The spills and
 * compactions of every closed store are summed, so a suite can check that it really ran under
 * spilling.
 */
final class FixedBudgetStoreFactory implements StateStoreFactory {

    private static final long serialVersionUID = 1L;

    private static final AtomicLong SPILLS = new AtomicLong();
    private static final AtomicLong COMPACTIONS = new AtomicLong();

    private final long budgetBytes;
    private final int pageSize;
    private final int compactionTrigger;

    /** The store opened last, for a test that drives compaction itself; not shipped anywhere. */
    private transient volatile SpillableStore lastOpened;

    FixedBudgetStoreFactory(long budgetBytes, int pageSize) {
        this(budgetBytes, pageSize, StoreSettings.MIN_COMPACTION_TRIGGER);
    }

    /** As above, compacting when {@code compactionTrigger} runs have piled up. */
    FixedBudgetStoreFactory(long budgetBytes, int pageSize, int compactionTrigger) {
        this.budgetBytes = budgetBytes;
        this.pageSize = pageSize;
        this.compactionTrigger = compactionTrigger;
    }

    @Override
    public StateStore createStore(
            KeyedStateBackendParameters<?> parameters, CompactionFilter filter) throws IOException {
        UnifiedMemoryManager manager =
                new UnifiedMemoryManager(
                        budgetBytes, MemorySettings.defaults().withPageSize(pageSize));
        MemoryClient client = manager.newClient(parameters.getOperatorIdentifier());
        StoreSettings settings =
                StoreSettings.defaults(Paths.get(System.getProperty("java.io.tmpdir")))
                        .withCompactionTrigger(compactionTrigger);
        SpillableStore store = SpillableStore.open(client, settings, "fixed-budget", filter);
        lastOpened = store;
        return new MemoryLeasingStore(
                store,
                () -> {
                    SPILLS.addAndGet(store.spills());
                    COMPACTIONS.addAndGet(store.compactions());
                    client.close();
                    manager.close();
                });
    }

    /** The store this factory opened last. */
    SpillableStore lastOpened() {
        return lastOpened;
    }

    /** Spills of all stores closed so far. */
    static long spills() {
        return SPILLS.get();
    }

    /** Compactions of all stores closed so far. */
    static long compactions() {
        return COMPACTIONS.get();
    }

    @Override
    public String toString() {
        return "spillable(" + budgetBytes / 1024 + " KiB)";
    }
}
