package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;
import dev.spillway.backend.store.ReferenceStoreFactory;

/** The priority queue suite over the heap timers of {@code spillway.timer-service.factory: HEAP}. */
class SpillwayHeapTimerQueueTest extends SpillwayTimerQueueTest {

    @Override
    SpillwayStateBackend stateBackend() {
        return configured(new ReferenceStoreFactory(), TimerServiceFactory.HEAP, 128);
    }
}
