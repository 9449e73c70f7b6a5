package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * The pool rules, one test each, on a scaled-down slot: 64 pages of 4 KiB, storage floor 0.5 (32
 * pages).
 */
class UnifiedMemoryManagerTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;
    private static final int PAGES = 64;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(
                    PAGES * PAGE,
                    MemorySettings.defaults()
                            .withPageSize(PAGE)
                            .withExecutionWaitTimeout(Duration.ZERO));
    private final MemoryClient client = manager.newClient("backend-1");

    @AfterEach
    void tearDown() {
        client.close();
        manager.close();
        assertThat(manager.executionUsed() + manager.storageUsed()).isZero();
    }

    @Test
    void theWorkedExample() {
        TestConsumer cache = TestConsumer.storage(client, "memtable");
        TestConsumer sort = TestConsumer.execution(client, "sort-buffer");

        // Storage grows past its half by borrowing free execution memory.
        cache.addPages(48);
        assertThat(manager.storageUsed()).isEqualTo(48L * PAGE);
        assertThat(manager.storageBorrowed()).isEqualTo(16L * PAGE);
        assertThat(manager.storagePoolSize()).isEqualTo(48L * PAGE);
        assertThat(manager.executionPoolSize()).isEqualTo(16L * PAGE);

        // An execution request evicts it back to the floor.
        sort.addPages(32);
        assertThat(manager.storageUsed()).isEqualTo(32L * PAGE);
        assertThat(manager.storageBorrowed()).isZero();
        assertThat(manager.executionUsed()).isEqualTo(32L * PAGE);
        assertThat(cache.spillCalls()).isPositive();
        assertThat(cache.lastTrigger()).isSameAs(sort);
        assertThat(manager.stats().evictedBytes()).isEqualTo(16L * PAGE);

        // A second request beyond that cannot touch the floor: the requester spills itself ...
        int cacheSpills = cache.spillCalls();
        sort.addPages(1);
        assertThat(sort.spillCalls()).isEqualTo(1);
        assertThat(cache.spillCalls()).isEqualTo(cacheSpills);
        assertThat(manager.storageUsed()).isEqualTo(32L * PAGE);

        // ... or, if it has nothing to spill, fails cleanly.
        TestConsumer writer = TestConsumer.execution(client, "snapshot-writer").unspillable();
        sort.unspillable();
        assertThatThrownBy(() -> writer.addPages(1))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("Cannot acquire " + PAGE + " bytes of EXECUTION memory")
                .hasMessageContaining("'snapshot-writer' of 'backend-1'")
                .hasMessageContaining("storage pool: " + 32L * PAGE + " used")
                .hasMessageContaining("protected floor " + 32L * PAGE);
        assertThat(manager.storageUsed()).isEqualTo(32L * PAGE);
        assertThat(manager.stats().failedRequests()).isEqualTo(1);

        cache.freeAll();
        sort.freeAll();
    }

    @Test
    void storageNeverTakesMemoryExecutionHolds() {
        TestConsumer sort = TestConsumer.execution(client, "sort");
        TestConsumer cache = TestConsumer.storage(client, "cache");
        sort.addPages(40);
        cache.addPages(24); // all free memory

        cache.addPages(1); // no free memory left: the cache evicts its own cold pages
        assertThat(sort.spillCalls()).isZero();
        assertThat(cache.spillCalls()).isEqualTo(1);
        assertThat(manager.executionUsed()).isEqualTo(40L * PAGE);

        TestConsumer other = TestConsumer.storage(client, "other-cache").unspillable();
        cache.unspillable();
        assertThatThrownBy(() -> other.addPages(1))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("STORAGE memory for consumer 'other-cache'");
        assertThat(sort.spillCalls()).isZero();

        sort.freeAll();
        cache.freeAll();
    }

    @Test
    void storageEvictsOtherStorageBeforeItself() {
        TestConsumer big = TestConsumer.storage(client, "big");
        TestConsumer small = TestConsumer.storage(client, "small");
        TestConsumer grower = TestConsumer.storage(client, "grower");
        big.addPages(40);
        small.addPages(20);
        grower.addPages(4);

        grower.addPages(2);
        assertThat(big.spillCalls()).isEqualTo(2); // largest first, once per page
        assertThat(small.spillCalls()).isZero();
        assertThat(grower.spillCalls()).isZero();

        big.freeAll();
        small.freeAll();
        grower.freeAll();
    }

    @Test
    void executionTakesFreeMemoryOfTheStorageRegion() {
        TestConsumer sort = TestConsumer.execution(client, "sort");
        sort.addPages(PAGES);
        assertThat(manager.executionUsed()).isEqualTo((long) PAGES * PAGE);
        assertThat(manager.executionBorrowed()).isEqualTo(32L * PAGE);
        assertThat(manager.storagePoolSize()).isZero();

        // Storage cannot evict it back.
        TestConsumer cache = TestConsumer.storage(client, "cache");
        assertThatThrownBy(() -> cache.addPages(1)).isInstanceOf(SpillwayMemoryException.class);
        assertThat(sort.spillCalls()).isZero();
        sort.freeAll();
    }

    @Test
    void executionEvictsStorageOnlyAboveTheFloor() {
        TestConsumer cache = TestConsumer.storage(client, "cache");
        TestConsumer sort = TestConsumer.execution(client, "sort").unspillable();
        cache.addPages(PAGES); // storage borrowed the whole execution region

        sort.addPages(32);
        assertThat(manager.storageUsed()).isEqualTo(32L * PAGE);
        assertThatThrownBy(() -> sort.addPages(1)).isInstanceOf(SpillwayMemoryException.class);
        assertThat(manager.storageUsed()).isEqualTo(32L * PAGE);

        cache.freeAll();
        sort.freeAll();
    }

    @Test
    void executionEvictsStorageOfOtherBackendsInTheSlot() {
        MemoryClient other = manager.newClient("backend-2");
        TestConsumer foreignCache = TestConsumer.storage(other, "foreign-cache");
        TestConsumer sort = TestConsumer.execution(client, "sort");
        foreignCache.addPages(PAGES);

        sort.addPages(8);
        assertThat(foreignCache.lastTrigger()).isSameAs(sort);
        assertThat(manager.storageUsed()).isEqualTo((PAGES - 8L) * PAGE);

        foreignCache.freeAll();
        sort.freeAll();
        other.close();
    }

    @Test
    void eachExecutionConsumerIsCappedAtOneNth() {
        MemoryClient other = manager.newClient("backend-2");
        TestConsumer first = TestConsumer.execution(client, "first").unspillable();
        TestConsumer second = TestConsumer.execution(other, "second").unspillable();
        second.addPages(1);

        first.addPages(32); // 1/2 of 64 pages with N = 2
        assertThat(manager.freeMemory()).isEqualTo(31L * PAGE);
        assertThatThrownBy(() -> first.addPages(1))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("fair share with 2 active execution consumers");

        // When the other consumer is done, the whole execution memory is reachable again.
        second.freeAll();
        first.addPages(32);
        assertThat(manager.executionUsed()).isEqualTo((long) PAGES * PAGE);

        first.freeAll();
        other.close();
    }

    @Test
    void fairShareExcessIsCuredBySpillingItselfNotOthers() {
        TestConsumer first = TestConsumer.execution(client, "first");
        TestConsumer second = TestConsumer.execution(client, "second");
        second.addPages(1);
        first.addPages(32);

        first.addPages(1);
        assertThat(first.spillCalls()).isEqualTo(1);
        assertThat(second.spillCalls()).isZero();
        assertThat(first.getUsed()).isLessThanOrEqualTo(32L * PAGE);

        first.freeAll();
        second.freeAll();
    }

    @Test
    void aRequestLargerThanTheBudgetFailsWithoutEvictingAnything() {
        TestConsumer cache = TestConsumer.storage(client, "cache");
        TestConsumer sort = TestConsumer.execution(client, "sort");
        cache.addPages(48);
        assertThatThrownBy(() -> sort.allocatePage(PAGES * PAGE + 1))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("larger than the whole budget");
        assertThat(cache.spillCalls()).isZero();
        cache.freeAll();
    }

    @Test
    void releasingMoreThanHeldFails() {
        TestConsumer sort = TestConsumer.execution(client, "sort");
        sort.reserve(100);
        assertThatThrownBy(() -> sort.releaseMemory(101))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds only 100");
        sort.freeAll();
    }

    @Test
    void aBudgetBelowOnePageIsRejectedWithTheFix() {
        assertThatThrownBy(() -> new UnifiedMemoryManager(PAGE - 1, MemorySettings.defaults()))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("cannot hold a single page")
                .hasMessageContaining("taskmanager.memory.managed.size");
    }
}
