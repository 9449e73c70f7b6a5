package dev.spillway.backend.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryMetrics;
import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two stores of two keyed backends in one slot, as Flink runs two keyed operators in a slot: the
 * execution memory of one store's compaction and snapshot takes back the storage the other store
 * borrowed, down to the storage floor, and storage borrows it again once the work is done; the
 * store whose work it is never evicts its own memtable for it. Observed through the memory metrics
 * a Flink reporter sees.
 */
class ExecutionMemoryCycleTest {

    private static final int PAGE = 4096;
    private static final long BUDGET = 1L << 20;
    private static final byte[] VALUE = new byte[100];

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(
                    BUDGET,
                    MemorySettings.defaults()
                            .withPageSize(PAGE)
                            .withExecutionWaitTimeout(Duration.ofSeconds(30)));
    private final MemoryClient clientA = manager.newClient("backend-a");
    private final MemoryClient clientB = manager.newClient("backend-b");
    private final Map<String, Gauge<?>> gauges = new HashMap<>();

    @AfterEach
    void checkNoLeaks() {
        clientA.assertNoLeaks();
        clientB.assertNoLeaks();
        clientA.close();
        clientB.close();
        manager.close();
    }

    @Test
    void compactionAndSnapshotTakeBackBorrowedStorageWhichIsBorrowedAgainAfterwards()
            throws IOException {
        registerMetrics(clientB);
        StoreSettings settings =
                StoreSettings.defaults(spillParent)
                        .withCompactionTrigger(64) // no background merge: b's is the one below
                        .withEvictionAhead(false);
        try (SpillableStore a = SpillableStore.open(clientA, settings, "a");
                SpillableStore b = SpillableStore.open(clientB, settings, "b")) {
            write(b, 0, 6_000); // more than the budget: b spills runs of its own
            write(a, 0, 12_000); // a's memtable borrows everything free, evicting b's memtable
            assertThat(b.runCount()).isGreaterThanOrEqualTo(2);
            assertThat(gauge("storageBorrowedBytes")).isPositive();
            assertThat(gauge("executionUsedBytes")).isZero();
            long evictedBefore = gauge("evictedForExecutionBytes");
            long storageBefore = gauge("storageUsedBytes");
            long aSpillsBefore = a.spills();
            long bSpillsBefore = b.spills();

            b.compactFully();

            // The merge's execution memory came out of a's borrowed storage (a wrote a run for
            // it), never below the floor, and b's own memtable was left alone.
            assertThat(gauge("executionPeakBytes")).isPositive();
            assertThat(gauge("evictedForExecutionBytes")).isGreaterThan(evictedBefore);
            assertThat(a.spills()).isGreaterThan(aSpillsBefore);
            assertThat(b.spills()).isEqualTo(bSpillsBefore);
            assertThat(gauge("storageUsedBytes"))
                    .isLessThan(storageBefore)
                    .isGreaterThanOrEqualTo(manager.storageFloor());
            assertThat(gauge("executionUsedBytes")).isZero();

            // Give back: with the merge done, storage borrows the execution region again.
            write(a, 100_000, 6_000);
            assertThat(gauge("storageBorrowedBytes")).isPositive();

            // A snapshot's sort and writer are execution memory too, taken back again.
            write(b, 100_000, 2_000);
            long evictedBeforeSnapshot = gauge("evictedForExecutionBytes");
            long bSpillsBeforeSnapshot = b.spills();
            try (StoreSnapshot snapshot = b.snapshot()) {
                snapshot.persist();
                assertThat(gauge("executionUsedBytes")).isZero(); // given back with the pins
            }
            assertThat(gauge("evictedForExecutionBytes")).isGreaterThan(evictedBeforeSnapshot);
            assertThat(b.spills()).isEqualTo(bSpillsBeforeSnapshot);

            // Run indexes and bloom filters are charged to storage, as on-heap memory, at an
            // install that finds memory free (they rank below memtable pages, which a's took).
            a.close();
            assertThat(b.runCount()).isGreaterThanOrEqualTo(2); // the snapshot run joined
            b.compactFully();
            assertThat(b.runIndexBytes()).isPositive();
            assertThat(gauge("onHeapUsedBytes")).isGreaterThanOrEqualTo(b.runIndexBytes());
            assertThat(gauge("offHeapUsedBytes") + gauge("onHeapUsedBytes"))
                    .isEqualTo(gauge("storageUsedBytes") + gauge("executionUsedBytes"));
        }
    }

    /**
     * Spark's fair-share bounds between the execution reservations of two backends: neither holds
     * more than 1/N of the memory execution can reach; one below 1/2N waits for the other to give
     * memory back instead of going on with nothing.
     */
    @Test
    void reservationsOfTwoBackendsShareExecutionMemoryFairly() throws Exception {
        registerMetrics(clientB);
        long reachable = BUDGET; // no storage held: execution can reach the whole budget
        MemoryReservation first = MemoryReservation.execution(clientA, "merge-a");
        assertThat(first.growTo(reachable)).isEqualTo(reachable); // alone: N = 1

        MemoryReservation second = MemoryReservation.execution(clientB, "merge-b");
        CompletableFuture<Long> granted =
                CompletableFuture.supplyAsync(() -> second.growTo(reachable));
        // Below 1/2N with nothing free: it waits (without waiting it would return 0 at once;
        // MemoryReservationTest observes the wait itself).
        Thread.sleep(200);
        assertThat(granted).isNotDone();
        first.growTo(reachable / 8); // the first merge moves on to a smaller step

        assertThat(granted.get(30, TimeUnit.SECONDS)).isEqualTo(reachable / 2); // 1/N
        first.growTo(reachable);
        for (MemoryReservation each : new MemoryReservation[] {first, second}) {
            assertThat(each.reserved()).isBetween(reachable / 4, reachable / 2); // 1/2N..1/N
            assertThat(each.covers()).isFalse();
        }
        assertThat(gauge("executionUsedBytes")).isEqualTo(reachable);
        assertThat(gauge("executionPeakBytes")).isEqualTo(reachable);
        assertThat(gauge("unreservedBytes")).isEqualTo(reachable); // half of each
        second.close();
        first.close();
        assertThat(gauge("executionUsedBytes")).isZero();
    }

    private void write(SpillableStore store, int firstKey, int entries) throws IOException {
        for (int i = 0; i < entries; i++) {
            byte[] key = TestKeys.row(0, 0, firstKey + i, 0);
            store.put(key, key.length, VALUE, 0, VALUE.length);
        }
    }

    private void registerMetrics(MemoryClient client) {
        MemoryMetrics.register(
                new UnregisteredMetricsGroup() {
                    @Override
                    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
                        gauges.put(name, gauge);
                        return gauge;
                    }
                },
                client);
    }

    private long gauge(String name) {
        return (Long) gauges.get(name).getValue();
    }
}
