package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;

/**
 * The priority queue suite over the production store in a budget of a few pages, so that timers
 * are evicted to runs throughout, with a cache of two elements per key group, so that the queue
 * reloads from the store (memtable and runs merged) all the time.
 */
class SpillwayEvictingTimerQueueTest extends SpillwayTimerQueueTest {

    @Override
    SpillwayStateBackend stateBackend() {
        return configured(
                new FixedBudgetStoreFactory(288 * 1024, 4 * 1024), TimerServiceFactory.SPILLWAY, 2);
    }
}
