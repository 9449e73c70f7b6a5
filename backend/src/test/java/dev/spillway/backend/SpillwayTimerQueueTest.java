package dev.spillway.backend;

import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.InternalPriorityQueue;
import org.apache.flink.runtime.state.InternalPriorityQueueTestBase;
import org.apache.flink.util.IOUtils;

import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

/**
 * Flink's priority queue suite against the timer queues a Spillway keyed backend hands out (heap
 * queues with set semantics, as timers need).
 */
class SpillwayTimerQueueTest extends InternalPriorityQueueTestBase {

    private final List<SpillwayKeyedStateBackend<Long>> backends = new ArrayList<>();

    @Override
    protected InternalPriorityQueue<TestElement> newPriorityQueue(int initialCapacity) {
        try {
            SpillwayKeyedStateBackend<Long> backend =
                    KeyedBackends.create(
                            LongSerializer.INSTANCE,
                            KEY_GROUP_RANGE.getNumberOfKeyGroups(),
                            KEY_GROUP_RANGE);
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
    }
}
