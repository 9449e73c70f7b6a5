package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where a {@link MemoryReservation} takes memory from: free memory, cached copies, other backends'
 * state above the floor, a fair share waited for; never its own backend's state, and never a
 * failure.
 */
class MemoryReservationTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;

    /** 8 pages, storage floor 4 pages. */
    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(
                    8L * PAGE,
                    MemorySettings.defaults()
                            .withPageSize(PAGE)
                            .withExecutionWaitTimeout(Duration.ofSeconds(30)));
    private final MemoryClient own = manager.newClient("own backend");
    private final MemoryClient other = manager.newClient("other backend");

    @AfterEach
    void tearDown() {
        own.close();
        other.close();
        manager.close();
    }

    @Test
    void neverEvictsItsOwnBackendsStateButDropsCachedCopies() {
        TestConsumer memtable = TestConsumer.storage(own, "memtable");
        TestConsumer cache = cache(own, "block cache");
        memtable.addPages(6);
        cache.addPages(2);

        try (MemoryReservation merge = MemoryReservation.execution(own, "compaction")) {
            assertThat(merge.growTo(4L * PAGE)).isEqualTo(2L * PAGE);
            assertThat(merge.covers()).isFalse();
        }
        assertThat(memtable.spillCalls()).isZero();
        assertThat(memtable.pageCount()).isEqualTo(6);
        assertThat(cache.pageCount()).isZero();
        assertThat(manager.stats().evictedForExecutionBytes()).isEqualTo(2L * PAGE);
        assertThat(manager.stats().unreservedBytes()).isEqualTo(2L * PAGE);
        assertThat(manager.executionPeak()).isEqualTo(2L * PAGE);
        assertThat(manager.executionUsed()).isZero();
        memtable.freeAll();
    }

    @Test
    void takesBackWhatOtherBackendsBorrowedDownToTheFloorOnly() {
        TestConsumer otherState = TestConsumer.storage(other, "other memtable");
        otherState.addPages(7); // 3 pages borrowed from the execution region

        MemoryReservation merge = MemoryReservation.execution(own, "compaction");
        assertThat(merge.growTo(6L * PAGE)).isEqualTo(4L * PAGE);
        assertThat(otherState.pageCount()).isEqualTo(4); // the floor
        assertThat(manager.storageUsed()).isEqualTo(manager.storageFloor());
        assertThat(manager.stats().evictedForExecutionBytes()).isEqualTo(3L * PAGE);
        assertThat(manager.stats().unreservedBytes()).isEqualTo(2L * PAGE);

        // Given back, storage borrows it again.
        merge.close();
        otherState.addPages(4);
        assertThat(manager.storageBorrowed()).isEqualTo(4L * PAGE);
        otherState.freeAll();
    }

    @Test
    void withoutEvictingItLeavesOtherBackendsStateAlone() {
        TestConsumer otherState = TestConsumer.storage(other, "other memtable");
        otherState.addPages(7);

        try (MemoryReservation sort = MemoryReservation.execution(own, "eviction")) {
            assertThat(sort.growWithoutEvicting(6L * PAGE)).isEqualTo((long) PAGE);
        }
        assertThat(otherState.spillCalls()).isZero();
        assertThat(manager.stats().unreservedBytes()).isEqualTo(5L * PAGE);
        otherState.freeAll();
    }

    @Test
    void belowHalfItsShareItWaitsForAnotherReservationAndEndsAtItsShare() throws Exception {
        MemoryReservation first = MemoryReservation.execution(own, "first merge");
        assertThat(first.growTo(8L * PAGE)).isEqualTo(8L * PAGE); // alone: N = 1

        MemoryReservation second = MemoryReservation.execution(other, "second merge");
        CompletableFuture<Long> granted =
                CompletableFuture.supplyAsync(() -> second.growTo(8L * PAGE));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (manager.waitingRequests() == 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        first.growTo(2L * PAGE); // its merge moves on to a smaller step

        // N = 2: at most 1/N of what execution can reach, and the wait ended at 1/2N or more.
        assertThat(granted.get(30, TimeUnit.SECONDS)).isEqualTo(4L * PAGE);
        first.growTo(8L * PAGE);
        assertThat(first.reserved()).isEqualTo(4L * PAGE);
        assertThat(manager.executionPeak()).isEqualTo(8L * PAGE);
        first.close();
        second.close();
        assertThat(manager.executionUsed()).isZero();
    }

    @Test
    void doesNotWaitWhenOnlyStorageIsInTheWay() {
        TestConsumer memtable = TestConsumer.storage(own, "memtable");
        memtable.addPages(8);
        try (MemoryReservation merge = MemoryReservation.execution(own, "compaction")) {
            assertThat(merge.growTo(2L * PAGE)).isZero();
        }
        assertThat(manager.waitingRequests()).isZero();
        assertThat(memtable.spillCalls()).isZero();
        memtable.freeAll();
    }

    @Test
    void aStorageReservationIsNeverAskedToEvict() {
        MemoryReservation runIndexes = MemoryReservation.storage(own, "run indexes");
        assertThat(runIndexes.growTo(3L * PAGE)).isEqualTo(3L * PAGE);
        TestConsumer memtable = TestConsumer.storage(own, "memtable");
        memtable.addPages(5);
        try (MemoryReservation sort = MemoryReservation.execution(other, "sort")) {
            // Storage is full and above the floor: the memtable evicts, the reservation is held.
            assertThat(sort.growTo((long) PAGE)).isEqualTo((long) PAGE);
            assertThat(memtable.spillCalls()).isEqualTo(1);
        }
        assertThat(runIndexes.reserved()).isEqualTo(3L * PAGE);
        runIndexes.growTo(PAGE); // shrinks
        assertThat(manager.storageUsed()).isEqualTo(PAGE + memtable.getUsed());
        runIndexes.close();
        memtable.freeAll();
    }

    @Test
    void fromFreeMemoryItLeavesCachedCopiesAlone() {
        TestConsumer cache = cache(own, "block cache");
        cache.addPages(7);
        MemoryReservation runIndexes = MemoryReservation.storage(own, "run indexes");
        assertThat(runIndexes.growFromFree(3L * PAGE)).isEqualTo((long) PAGE);
        assertThat(cache.spillCalls()).isZero();
        assertThat(manager.stats().unreservedBytes()).isEqualTo(2L * PAGE);

        // Its owner ranks it below state: given back, counted as unreserved once.
        assertThat(runIndexes.yieldUnreserved(PAGE)).isEqualTo(PAGE);
        assertThat(manager.stats().unreservedBytes()).isEqualTo(3L * PAGE);
        cache.freeAll();
        runIndexes.growFromFree(3L * PAGE); // the next install takes it again from free memory
        assertThat(runIndexes.covers()).isTrue();
        assertThat(manager.stats().unreservedBytes()).isEqualTo(3L * PAGE);
        runIndexes.close();
    }

    private static TestConsumer cache(MemoryClient client, String name) {
        return new TestConsumer(client, PoolKind.STORAGE, name) {
            @Override
            protected boolean dropsWithoutWriting() {
                return true;
            }
        };
    }
}
