package dev.spillway.backend;

import static dev.spillway.backend.IncrementalBackends.ALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.state.ObjectTierStats;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.array.IntPrimitiveArraySerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.CheckpointableKeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.internal.InternalAggregatingState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The object tier of {@code MEMORY_AND_DISK} ValueStates through Flink's keyed-backend API: what a
 * checkpoint sees, what a value mutated without {@code update()} does (as on the hashmap backend),
 * eviction with write-back, per-state levels, and the configuration's errors.
 */
class SpillwayObjectTierTest {

    private static final int KEYS = 5_000;

    private static final ValueStateDescriptor<int[]> COUNTERS =
            new ValueStateDescriptor<>("counters", IntPrimitiveArraySerializer.INSTANCE);

    @TempDir Path checkpoints;

    private final MockEnvironment env = IncrementalBackends.environment();
    private final List<CheckpointableKeyedStateBackend<Integer>> backends = new ArrayList<>();

    @AfterEach
    void dispose() throws Exception {
        backends.forEach(CheckpointableKeyedStateBackend::dispose);
        env.close();
    }

    @Test
    void aCheckpointHoldsUpdatesTheTierHasNotWrittenBack() throws Exception {
        for (boolean incremental : new boolean[] {false, true}) {
            CheckpointableKeyedStateBackend<Integer> writer = open(incremental, new Configuration(), List.of());
            for (int key = 0; key < KEYS; key++) {
                IncrementalBackends.put(writer, key, IncrementalBackends.valueOf(key, 1));
            }
            ObjectTierStats before = stats(writer);
            assertThat(before.writeBacks()).as("updates stay in the tier").isZero();
            assertThat(before.entries()).isEqualTo(KEYS);

            KeyedStateHandle handle = checkpoint(writer, 1);
            assertThat(stats(writer).writeBacks()).isEqualTo(KEYS);

            CheckpointableKeyedStateBackend<Integer> reader =
                    open(incremental, new Configuration(), List.of(handle));
            for (int key = 0; key < KEYS; key++) {
                assertThat(IncrementalBackends.get(reader, key))
                        .isEqualTo(IncrementalBackends.valueOf(key, 1));
            }
        }
    }

    /**
     * The stored object is handed out, as on the hashmap backend, so values must not be reused;
     * what reaches a checkpoint is what {@code update()} was given (Flink's contract: changes to
     * the returned object are not guaranteed to be recognized without it).
     */
    @Test
    void readsHandOutTheStoredObjectAndCheckpointsHoldWhatWasUpdated() throws Exception {
        CheckpointableKeyedStateBackend<Integer> writer = open(false, new Configuration(), List.of());
        assertThat(writer.isSafeToReuseKVState()).isFalse();
        int[] stored = {1};
        counters(writer, 1).update(stored);
        assertThat(counters(writer, 1).value()).isSameAs(stored);
        int[] changed = counters(writer, 1).value();
        changed[0] = 42;
        counters(writer, 1).update(changed);

        CheckpointableKeyedStateBackend<Integer> reader =
                open(false, new Configuration(), List.of(checkpoint(writer, 1)));
        assertThat(counters(reader, 1).value()).containsExactly(42);
    }

    @Test
    void theSerializedLevelHandsOutCopies() throws Exception {
        Configuration serialized = new Configuration();
        serialized.setString(StateOptions.STORAGE_LEVEL.key(), "MEMORY_AND_DISK_SER");
        CheckpointableKeyedStateBackend<Integer> backend = open(false, serialized, List.of());
        assertThat(backend.isSafeToReuseKVState()).isTrue();
        counters(backend, 1).update(new int[] {1});
        counters(backend, 1).value()[0] = 42;
        assertThat(counters(backend, 1).value()).containsExactly(1);
    }

    @Test
    void anOverrideKeepsOneStateSerialized() throws Exception {
        Configuration config = new Configuration();
        config.setString(StateOptions.STORAGE_LEVEL_OVERRIDES.key(), "counters:MEMORY_AND_DISK_SER");
        CheckpointableKeyedStateBackend<Integer> backend = open(false, config, List.of());
        counters(backend, 1).update(new int[] {1});
        counters(backend, 1).value()[0] = 42;
        assertThat(counters(backend, 1).value()).containsExactly(1);
        IncrementalBackends.put(backend, 1, "tiered");
        assertThat(stats(backend).entries()).isEqualTo(1);
    }

    @Test
    void aSmallTierEvictsWritesBackAndReadsBack() throws Exception {
        Configuration small = new Configuration();
        small.setString(StateOptions.OBJECT_TIER_SIZE.key(), "16kb");
        CheckpointableKeyedStateBackend<Integer> backend = open(false, small, List.of());
        for (int round = 1; round <= 3; round++) {
            for (int key = 0; key < KEYS; key++) {
                IncrementalBackends.put(backend, key, IncrementalBackends.valueOf(key, round));
            }
            for (int key = 0; key < KEYS; key += 7) {
                assertThat(IncrementalBackends.get(backend, key))
                        .isEqualTo(IncrementalBackends.valueOf(key, round));
            }
        }
        ObjectTierStats stats = stats(backend);
        assertThat(stats.usedBytes()).isLessThanOrEqualTo(16 * 1024);
        assertThat(stats.evictions()).isPositive();
        assertThat(stats.writeBacks()).isPositive();
        // Keys iterate over the store: every value the tier holds updated is written first.
        assertThat(backend.getKeys(IncrementalBackends.VALUE.getName(), VoidNamespace.INSTANCE).count())
                .isEqualTo(KEYS);
    }

    /** Window-style accumulators: adds stay in the tier, a merge folds the tier's values. */
    @Test
    void aggregatingStateAddsAndMergesThroughTheTier() throws Exception {
        CheckpointableKeyedStateBackend<Integer> writer = open(false, new Configuration(), List.of());
        AggregatingStateDescriptor<Long, Long, Long> sum =
                new AggregatingStateDescriptor<>("sum", new Sum(), LongSerializer.INSTANCE);
        InternalAggregatingState<Integer, Long, Long, Long, Long> state =
                (InternalAggregatingState<Integer, Long, Long, Long, Long>)
                        writer.getPartitionedState(0L, LongSerializer.INSTANCE, sum);
        for (int key = 0; key < 100; key++) {
            writer.setCurrentKey(key);
            for (long window = 1; window <= 3; window++) {
                state.setCurrentNamespace(window);
                state.add(window * 10);
                state.add(1L);
            }
        }
        assertThat(stats(writer).writeBacks()).isZero();
        for (int key = 0; key < 100; key++) {
            writer.setCurrentKey(key);
            state.mergeNamespaces(3L, List.of(1L, 2L));
        }
        KeyedStateHandle handle = checkpoint(writer, 1);

        CheckpointableKeyedStateBackend<Integer> reader =
                open(false, new Configuration(), List.of(handle));
        InternalAggregatingState<Integer, Long, Long, Long, Long> restored =
                (InternalAggregatingState<Integer, Long, Long, Long, Long>)
                        reader.getPartitionedState(0L, LongSerializer.INSTANCE, sum);
        for (int key = 0; key < 100; key++) {
            reader.setCurrentKey(key);
            restored.setCurrentNamespace(3L);
            assertThat(restored.get()).isEqualTo(10 + 1 + 20 + 1 + 30 + 1);
            restored.setCurrentNamespace(1L);
            assertThat(restored.get()).isNull();
        }
    }

    private static final class Sum implements AggregateFunction<Long, Long, Long> {
        @Override
        public Long createAccumulator() {
            return 0L;
        }

        @Override
        public Long add(Long value, Long accumulator) {
            return accumulator + value;
        }

        @Override
        public Long getResult(Long accumulator) {
            return accumulator;
        }

        @Override
        public Long merge(Long a, Long b) {
            return a + b;
        }
    }

    @Test
    void aBadLevelNamesTheOptionAndTheLevels() {
        Configuration config = new Configuration();
        config.setString(StateOptions.STORAGE_LEVEL_OVERRIDES.key(), "counters:MEMORY_ONLY");
        assertThatThrownBy(() -> new SpillwayStateBackend().configure(config, getClass().getClassLoader()))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining(StateOptions.STORAGE_LEVEL_OVERRIDES.key())
                .hasMessageContaining("MEMORY_AND_DISK_SER");
    }

    private CheckpointableKeyedStateBackend<Integer> open(
            boolean incremental, Configuration config, List<KeyedStateHandle> handles)
            throws Exception {
        SpillwayStateBackend backend =
                new SpillwayStateBackend(new FixedBudgetStoreFactory(256 * 1024, 4096), incremental)
                        .configure(config, getClass().getClassLoader());
        CheckpointableKeyedStateBackend<Integer> keyed =
                IncrementalBackends.create(backend, env, ALL, handles);
        backends.add(keyed);
        return keyed;
    }

    private KeyedStateHandle checkpoint(CheckpointableKeyedStateBackend<Integer> backend, long id)
            throws Exception {
        return IncrementalBackends.snapshot(
                        backend,
                        id,
                        IncrementalBackends.files(checkpoints.resolve("cp-" + System.nanoTime())),
                        CheckpointOptions.forCheckpointWithDefaultLocation())
                .getJobManagerOwnedSnapshot();
    }

    private static ValueState<int[]> counters(CheckpointableKeyedStateBackend<Integer> backend, int key)
            throws Exception {
        backend.setCurrentKey(key);
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, COUNTERS);
    }

    private static ObjectTierStats stats(CheckpointableKeyedStateBackend<Integer> backend) {
        return ((SpillwayKeyedStateBackend<Integer>) backend).objectTierStats();
    }
}
