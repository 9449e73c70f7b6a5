package dev.spillway.backend;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.AbstractStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackendParametersImpl;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.util.IOUtils;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Collections;
import java.util.concurrent.TimeUnit;

/**
 * Point operations of keyed state on the hashmap, rocksdb and Spillway backends, in one run, in
 * the style of flink-benchmarks' ValueState/ListState/MapState benchmarks: one operation is one
 * {@code setCurrentKey} plus one state call, over {@value #KEYS} pre-populated keys visited in a
 * scrambled order. Spillway runs with its production store inside a managed memory budget large
 * enough to keep the state in memory ({@code SPILLWAY}) and one 20 times smaller than the state
 * ({@code SPILLWAY_SPILLING}), where reads and writes go through evicted runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KeyedStateBenchmark {

    static final int KEYS = 100_000;
    private static final int KEY_MASK = 131_071;
    private static final int MAP_ENTRIES = 8;

    @Param({"HEAP", "ROCKSDB", "SPILLWAY", "SPILLWAY_SPILLING"})
    public String backendType;

    private MockEnvironment env;
    private AbstractKeyedStateBackend<Long> backend;
    private ValueState<Long> value;
    private ListState<Long> list;
    private MapState<Long, Long> map;
    private long[] keys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        long managedMemory = "SPILLWAY_SPILLING".equals(backendType) ? 2L << 20 : 256L << 20;
        env = MockEnvironment.builder().setManagedMemorySize(managedMemory).build();
        backend = backend().createKeyedStateBackend(parameters());
        value =
                backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        new ValueStateDescriptor<>("value", LongSerializer.INSTANCE));
        list =
                backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        new ListStateDescriptor<>("list", LongSerializer.INSTANCE));
        map =
                backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        new MapStateDescriptor<>(
                                "map", LongSerializer.INSTANCE, LongSerializer.INSTANCE));
        for (long key = 0; key < KEYS; key++) {
            backend.setCurrentKey(key);
            value.update(key);
            list.add(key);
            for (long entry = 0; entry < MAP_ENTRIES; entry++) {
                map.put(entry, key);
            }
        }
        keys = new long[KEY_MASK + 1];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (i * 7919L) % KEYS; // 7919 is prime: a scrambled walk over every key
        }
    }

    private AbstractStateBackend backend() {
        switch (backendType) {
            case "HEAP":
                return new HashMapStateBackend();
            case "ROCKSDB":
                return new EmbeddedRocksDBStateBackend();
            default:
                return new SpillwayStateBackend();
        }
    }

    private KeyedStateBackendParametersImpl<Long> parameters() {
        return new KeyedStateBackendParametersImpl<>(
                env,
                new JobID(),
                "benchmark",
                LongSerializer.INSTANCE,
                128,
                new KeyGroupRange(0, 127),
                env.getTaskKvStateRegistry(),
                TtlTimeProvider.DEFAULT,
                new UnregisteredMetricsGroup(),
                Collections.emptyList(),
                new CloseableRegistry());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        backend.dispose();
        IOUtils.closeQuietly(backend);
        env.close();
    }

    private void nextKey() {
        backend.setCurrentKey(keys[next++ & KEY_MASK]);
    }

    @Benchmark
    public Long valueGet() throws Exception {
        nextKey();
        return value.value();
    }

    @Benchmark
    public void valueUpdate() throws Exception {
        nextKey();
        value.update((long) next);
    }

    @Benchmark
    public void listAppend() throws Exception {
        nextKey();
        list.add((long) next);
    }

    @Benchmark
    public Long mapGet() throws Exception {
        nextKey();
        return map.get((long) (next & 7));
    }

    @Benchmark
    public void mapPut() throws Exception {
        nextKey();
        map.put((long) (next & 7), (long) next);
    }
}
