package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Two backends whose memtables hold their own lock while they ask for memory, with the slot full of
 * their two memtables: each request would like to evict the other memtable, whose spill needs the
 * lock the other thread holds. Both must complete (by evicting themselves), never deadlock.
 */
class CrossBackendSpillTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;
    private static final int ROUNDS = 200;

    @Test
    void backendsRequestingTogetherNeverWaitOnEachOther() throws Exception {
        UnifiedMemoryManager manager =
                new UnifiedMemoryManager(
                        16 * PAGE,
                        MemorySettings.defaults()
                                .withPageSize(PAGE)
                                .withExecutionWaitTimeout(Duration.ofSeconds(10)));
        MemoryClient first = manager.newClient("backend-1");
        MemoryClient second = manager.newClient("backend-2");
        TestConsumer memtable1 = TestConsumer.storage(first, "memtable-1");
        TestConsumer memtable2 = TestConsumer.storage(second, "memtable-2");
        memtable1.addPages(8);
        memtable2.addPages(8);

        CyclicBarrier together = new CyclicBarrier(2);
        for (int round = 0; round < ROUNDS; round++) {
            CompletableFuture<Void> one = growHoldingItsLock(memtable1, together);
            CompletableFuture<Void> two = growHoldingItsLock(memtable2, together);
            CompletableFuture.allOf(one, two).get(20, TimeUnit.SECONDS);
            assertThat(manager.usedMemory()).isEqualTo(16L * PAGE);
        }

        memtable1.freeAll();
        memtable2.freeAll();
        first.close();
        second.close();
        manager.close();
    }

    private static CompletableFuture<Void> growHoldingItsLock(
            TestConsumer memtable, CyclicBarrier together) {
        return CompletableFuture.runAsync(
                () -> {
                    synchronized (memtable) {
                        try {
                            together.await(20, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                        memtable.addPages(1);
                    }
                });
    }
}
