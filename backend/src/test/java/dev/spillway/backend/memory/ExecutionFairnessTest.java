package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Spark's fairness between execution consumers of different backends: below 1/2N a request waits,
 * bounded, for others to release instead of failing.
 */
class ExecutionFairnessTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;
    private static final int PAGES = 64;

    private UnifiedMemoryManager manager;
    private MemoryClient first;
    private MemoryClient second;

    private void start(Duration waitTimeout) {
        manager =
                new UnifiedMemoryManager(
                        PAGES * PAGE,
                        MemorySettings.defaults()
                                .withPageSize(PAGE)
                                .withStorageFraction(0.0)
                                .withExecutionWaitTimeout(waitTimeout));
        first = manager.newClient("backend-1");
        second = manager.newClient("backend-2");
    }

    @AfterEach
    void tearDown() {
        first.close();
        second.close();
        manager.close();
    }

    @Test
    void belowHalfItsShareARequestWaitsForARelease() throws Exception {
        start(Duration.ofMinutes(5));
        TestConsumer hog = TestConsumer.execution(first, "hog").unspillable();
        TestConsumer starved = TestConsumer.execution(second, "starved").unspillable();
        hog.addPages(60); // alone, the hog may take everything

        CompletableFuture<Void> request =
                CompletableFuture.runAsync(() -> starved.reserve(8L * PAGE));
        awaitWaiting();
        assertThat(request).isNotDone();

        hog.freeAll();
        request.get(30, TimeUnit.SECONDS);
        assertThat(starved.getUsed()).isEqualTo(8L * PAGE);
        assertThat(manager.stats().waitNanos()).isPositive();
        starved.freeAll();
    }

    @Test
    void theWaitIsBoundedByTheTimeout() {
        start(Duration.ofMillis(50));
        TestConsumer hog = TestConsumer.execution(first, "hog").unspillable();
        TestConsumer starved = TestConsumer.execution(second, "starved").unspillable();
        hog.addPages(60);

        assertThatThrownBy(() -> starved.reserve(8L * PAGE))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("'starved' holds 0")
                .hasMessageContaining("fair share with 2 active execution consumers");
        assertThat(manager.stats().waitNanos()).isPositive();
        hog.freeAll();
    }

    @Test
    void atOrAboveHalfItsShareARequestFailsWithoutWaiting() {
        start(Duration.ofHours(1));
        TestConsumer hog = TestConsumer.execution(first, "hog").unspillable();
        TestConsumer fed = TestConsumer.execution(second, "fed").unspillable();
        hog.addPages(44);
        fed.addPages(16); // exactly 1/2N of 64 pages with N = 2

        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () ->
                        assertThatThrownBy(() -> fed.addPages(8))
                                .isInstanceOf(SpillwayMemoryException.class));
        assertThat(manager.stats().waitNanos()).isZero();
        hog.freeAll();
        fed.freeAll();
    }

    @Test
    void noWaitWhenNobodyElseHoldsExecutionMemory() {
        start(Duration.ofHours(1));
        TestConsumer cache = TestConsumer.storage(first, "cache").unspillable();
        TestConsumer sort = TestConsumer.execution(second, "sort").unspillable();
        cache.addPages(PAGES); // storage fraction 0: all of it could be reclaimed, but cannot be

        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () ->
                        assertThatThrownBy(() -> sort.addPages(1))
                                .isInstanceOf(SpillwayMemoryException.class)
                                .hasMessageContaining("evicted 0 bytes of storage"));
        assertThat(manager.stats().waitNanos()).isZero();
        cache.freeAll();
    }

    @Test
    void aNewConsumerLowersTheCapOfTheOthers() {
        start(Duration.ZERO);
        TestConsumer a = TestConsumer.execution(first, "a").unspillable();
        a.addPages(20);
        TestConsumer b = TestConsumer.execution(second, "b").unspillable();
        b.addPages(1);
        TestConsumer c = TestConsumer.execution(second, "c").unspillable();
        c.addPages(1);

        // N = 3: the cap is 64 / 3 pages, so 'a' cannot grow to 22 pages although 42 are free.
        assertThatThrownBy(() -> a.reserve(2L * PAGE)).isInstanceOf(SpillwayMemoryException.class);
        a.addPages(1);
        a.freeAll();
        b.freeAll();
        c.freeAll();
    }

    private void awaitWaiting() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!managerHasWaiter()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the starved request never started to wait");
            }
            Thread.sleep(5);
        }
    }

    private boolean managerHasWaiter() {
        return manager.waitingRequests() > 0;
    }
}
