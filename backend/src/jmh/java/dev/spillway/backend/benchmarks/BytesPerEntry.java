package dev.spillway.backend.benchmarks;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.SplittableRandom;

/**
 * Memory per entry of state that fits in memory: the hashmap backend's heap bytes per key (heap
 * used after GC, loaded minus empty, over the key count) next to Spillway's memory-manager bytes
 * per key (what its memtable holds in pages plus the index charged with them, over the key count),
 * and Spillway's own heap growth. Cases: ValueState with a {@code Long} key and a 128-byte value,
 * MapState with four entries of {@code Long} user key and 32-byte value per key.
 *
 * <p>Run it with a heap large enough that nothing is evicted or collected under pressure, e.g.
 * {@code java -Xmx2g -cp backend-benchmarks.jar dev.spillway.backend.benchmarks.BytesPerEntry}.
 * Spillway gets a budget far above its state, and the output shows that no entry was evicted.
 */
public final class BytesPerEntry {

    private static final int VALUE_KEYS = 200_000;
    private static final int MAP_KEYS = 100_000;
    private static final int MAP_ENTRIES_PER_KEY = 4;
    private static final long SPILLWAY_BUDGET = 512L << 20;

    private BytesPerEntry() {}

    public static void main(String[] args) throws Exception {
        System.out.println(
                "| state | backend | keys | heap bytes / key | memory-manager bytes / key"
                        + " | of which memtable | evicted entries |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (BackendUnderTest backend :
                // The serialized level: what the pages hold per entry (the object tier, at
                // MEMORY_AND_DISK, would keep these values on the heap instead).
                new BackendUnderTest[] {BackendUnderTest.HEAP, BackendUnderTest.SPILLWAY_SER}) {
            measure("ValueState (Long key, 128-byte value)", backend, VALUE_KEYS, false);
            measure("MapState (4 × Long → 32 bytes)", backend, MAP_KEYS, true);
        }
    }

    private static void measure(String name, BackendUnderTest backend, int keys, boolean map)
            throws Exception {
        CapturedGauges gauges = new CapturedGauges();
        try (KeyedBackendFixture fixture =
                KeyedBackendFixture.open(backend, SPILLWAY_BUDGET, new Configuration(), gauges)) {
            KeyedStateBackend<Long> keyed = fixture.keyedBackend();
            SplittableRandom random = new SplittableRandom(42);
            long heapBefore = heapAfterGc();
            if (map) {
                MapState<Long, byte[]> state =
                        keyed.getPartitionedState(
                                VoidNamespace.INSTANCE,
                                VoidNamespaceSerializer.INSTANCE,
                                new MapStateDescriptor<>(
                                        "map",
                                        LongSerializer.INSTANCE,
                                        BytePrimitiveArraySerializer.INSTANCE));
                for (long key = 0; key < keys; key++) {
                    keyed.setCurrentKey(key);
                    for (long userKey = 0; userKey < MAP_ENTRIES_PER_KEY; userKey++) {
                        state.put(userKey, randomBytes(random, 32));
                    }
                }
            } else {
                ValueState<byte[]> state =
                        keyed.getPartitionedState(
                                VoidNamespace.INSTANCE,
                                VoidNamespaceSerializer.INSTANCE,
                                new ValueStateDescriptor<>(
                                        "value", BytePrimitiveArraySerializer.INSTANCE));
                for (long key = 0; key < keys; key++) {
                    keyed.setCurrentKey(key);
                    state.update(randomBytes(random, 128));
                }
            }
            long heap = heapAfterGc() - heapBefore;
            String managed = "—";
            String memtable = "—";
            String evicted = "—";
            if (backend == BackendUnderTest.SPILLWAY) {
                managed = perKey(gauges.value("memory.storageUsedBytes"), keys);
                memtable = perKey(gauges.value("store.bytesInMemory"), keys);
                evicted = String.valueOf(gauges.value("store.evictedEntries"));
            }
            System.out.printf(
                    "| %s | %s | %,d | %s | %s | %s | %s |%n",
                    name, backend, keys, perKey(heap, keys), managed, memtable, evicted);
        }
    }

    private static String perKey(long bytes, int keys) {
        return String.format("%.1f", (double) bytes / keys);
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
