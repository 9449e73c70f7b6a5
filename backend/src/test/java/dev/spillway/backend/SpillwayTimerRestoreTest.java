package dev.spillway.backend;

import dev.spillway.backend.config.TimerOptions;
import dev.spillway.backend.config.TimerOptions.TimerServiceFactory;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupedInternalPriorityQueue;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.PriorityQueueSetFactory;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.TimerHeapInternalTimer;
import org.apache.flink.streaming.api.operators.TimerSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.util.IOUtils;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;


import static dev.spillway.backend.IncrementalBackends.ALL;
import static dev.spillway.backend.IncrementalBackends.KEY_GROUPS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timers survive full and incremental checkpoints of a spilling store into two backends of half
 * the key groups each (rescaling), also when the restoring job switched {@code
 * spillway.timer-service.factory}: store timers of an incremental checkpoint come with its runs
 * and are moved to heap queues when the restorer keeps timers on the heap; heap timers of the
 * metadata go into the store when it keeps them there.
 */
class SpillwayTimerRestoreTest {


    private static final int TIMERS = 8_000;
    private static final String QUEUE = "timers";

    @TempDir Path checkpoints;

    static Stream<Arguments> switches() {
        List<Arguments> arguments = new ArrayList<>();
        for (boolean incremental : new boolean[] {false, true}) {
            for (TimerServiceFactory from : TimerServiceFactory.values()) {
                for (TimerServiceFactory to : TimerServiceFactory.values()) {
                    arguments.add(Arguments.of(incremental, from, to));
                }
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "incremental={0}, {1} -> {2}")
    @MethodSource("switches")
    void timersSurviveRestoreRescaledAndAcrossTimerServices(
            boolean incremental, TimerServiceFactory from, TimerServiceFactory to)
            throws Exception {
        MockEnvironment env = IncrementalBackends.environment();
        Set<TimerHeapInternalTimer<Integer, VoidNamespace>> expected = new HashSet<>();
        KeyedStateHandle handle;
        CheckpointableKeyedStateBackend<Integer> writer =
                IncrementalBackends.create(backend(incremental, from), env, ALL, List.of());
        try {
            KeyGroupedInternalPriorityQueue<TimerHeapInternalTimer<Integer, VoidNamespace>> timers = queue(writer);
            for (int i = 0; i < TIMERS; i++) {
                TimerHeapInternalTimer<Integer, VoidNamespace> element =
                        new TimerHeapInternalTimer<>(1_000_000L - i, i % 997, VoidNamespace.INSTANCE);
                timers.add(element);
                expected.add(element);
                // Values beside the timers make the store spill (when timers are on the heap too).
                IncrementalBackends.put(writer, i, IncrementalBackends.valueOf(i, 0));
            }
            // Polled timers must not come back: their deletes are in the snapshot too.
            for (int i = 0; i < 300; i++) {
                assertThat(expected.remove(timers.poll())).isTrue();
            }
            handle =
                    IncrementalBackends.snapshot(
                                    writer,
                                    1,
                                    IncrementalBackends.files(checkpoints),
                                    CheckpointOptions.forCheckpointWithDefaultLocation())
                            .getJobManagerOwnedSnapshot();
        } finally {
            dispose(writer);
        }

        Set<TimerHeapInternalTimer<Integer, VoidNamespace>> restored = new HashSet<>();
        for (KeyGroupRange half :
                List.of(
                        KeyGroupRange.of(0, KEY_GROUPS / 2 - 1),
                        KeyGroupRange.of(KEY_GROUPS / 2, KEY_GROUPS - 1))) {
            CheckpointableKeyedStateBackend<Integer> reader =
                    IncrementalBackends.create(
                            backend(incremental, to), env, half, List.of(handle.getIntersection(half)));
            try {
                KeyGroupedInternalPriorityQueue<TimerHeapInternalTimer<Integer, VoidNamespace>> timers = queue(reader);
                long previous = Long.MIN_VALUE;
                for (TimerHeapInternalTimer<Integer, VoidNamespace> element = timers.poll(); element != null; element = timers.poll()) {
                    assertThat(element.getTimestamp()).isGreaterThanOrEqualTo(previous);
                    previous = element.getTimestamp();
                    assertThat(restored.add(element)).as("fired once: %s", element).isTrue();
                }
            } finally {
                dispose(reader);
            }
        }
        assertThat(restored).isEqualTo(expected);
    }

    private static SpillwayStateBackend backend(boolean incremental, TimerServiceFactory timers) {
        Configuration config = new Configuration();
        config.set(TimerOptions.FACTORY, timers);
        config.set(TimerOptions.CACHE_SIZE, 8);
        return new SpillwayStateBackend(
                        new FixedBudgetStoreFactory(288 * 1024, 4 * 1024), incremental)
                .configure(config, SpillwayTimerRestoreTest.class.getClassLoader());
    }

    private static KeyGroupedInternalPriorityQueue<TimerHeapInternalTimer<Integer, VoidNamespace>> queue(
            CheckpointableKeyedStateBackend<Integer> backend) {
        return ((PriorityQueueSetFactory) backend)
                .create(
                        QUEUE,
                        new TimerSerializer<>(
                                IntSerializer.INSTANCE, VoidNamespaceSerializer.INSTANCE));
    }

    private static void dispose(CheckpointableKeyedStateBackend<Integer> backend) {
        backend.dispose();
        IOUtils.closeQuietly(backend);
    }
}
