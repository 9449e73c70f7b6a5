package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions;
import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;
import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.InternalPriorityQueue;
import org.apache.flink.runtime.state.InternalPriorityQueueTestBase;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.util.IOUtils;

import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Flink's priority queue suite against the timer queues a Spillway keyed backend hands out: the
 * store queues (the default) over the reference store. Subclasses run it over the production store
 * in a tiny budget ({@link SpillwayEvictingTimerQueueTest}) and over heap timers ({@link
 * SpillwayHeapTimerQueueTest}).
 */
class SpillwayTimerQueueTest extends InternalPriorityQueueTestBase {

    private final List<SpillwayKeyedStateBackend<Long>> backends = new ArrayList<>();

    /** The state backend the queues come from. */
    SpillwayStateBackend stateBackend() {
        return new SpillwayStateBackend(new ReferenceStoreFactory());
    }

    @Override
    protected InternalPriorityQueue<TestElement> newPriorityQueue(int initialCapacity) {
        try {
            SpillwayKeyedStateBackend<Long> backend =
                    KeyedBackends.create(
                            stateBackend(),
                            TtlTimeProvider.DEFAULT,
                            LongSerializer.INSTANCE,
                            KEY_GROUP_RANGE.getNumberOfKeyGroups(),
                            KEY_GROUP_RANGE,
                            Collections.emptyList());
            backends.add(backend);
            return backend.create("timers", TestElementSerializer.INSTANCE);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected boolean testSetSemanticsAgainstDuplicateElements() {
        return true;
    }

    @AfterEach
    void disposeBackends() {
        for (SpillwayKeyedStateBackend<Long> backend : backends) {
            backend.dispose();
            IOUtils.closeQuietly(backend);
        }
        backends.clear();
    }

    static SpillwayStateBackend configured(
            StateStoreFactory store, TimerServiceFactory factory, int cacheSize) {
        Configuration config = new Configuration();
        config.set(TimerOptions.FACTORY, factory);
        config.set(TimerOptions.CACHE_SIZE, cacheSize);
        return new SpillwayStateBackend(store)
                .configure(config, SpillwayTimerQueueTest.class.getClassLoader());
    }
}
