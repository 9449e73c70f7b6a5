package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * When a request passed over victims of a backend busy in its own request, it waits for that
 * request to end, except where the wait could close a cycle of waits.
 */
class BusyClientWaitTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;

    private UnifiedMemoryManager manager;
    private MemoryClient waiter;
    private MemoryClient busy;
    private MemoryClient hogs;
    private TestConsumer hog;
    private TestConsumer starved;
    private CompletableFuture<Void> busyRequest;

    /** Makes {@code busy} busy: its request waits for its fair share until the hog releases. */
    @BeforeEach
    void setUp() throws InterruptedException {
        manager =
                new UnifiedMemoryManager(
                        64 * PAGE,
                        MemorySettings.defaults()
                                .withPageSize(PAGE)
                                .withStorageFraction(0.0)
                                .withExecutionWaitTimeout(Duration.ofMinutes(5)));
        waiter = manager.newClient("waiter");
        busy = manager.newClient("busy");
        hogs = manager.newClient("hogs");
        hog = TestConsumer.execution(hogs, "hog").unspillable();
        hog.addPages(60);
        starved = TestConsumer.execution(busy, "starved").unspillable();
        busyRequest = CompletableFuture.runAsync(() -> starved.reserve(8L * PAGE));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (manager.waitingRequests() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(manager.waitingRequests()).isEqualTo(1);
    }

    @AfterEach
    void tearDown() throws Exception {
        hog.freeAll();
        busyRequest.get(30, TimeUnit.SECONDS);
        starved.freeAll();
        waiter.close();
        busy.close();
        hogs.close();
        manager.close();
    }

    @Test
    void waitsUntilTheBusyRequestEnds() throws Exception {
        CompletableFuture<Boolean> wait =
                CompletableFuture.supplyAsync(
                        () -> manager.awaitBusyClients(waiter, Set.of(busy), inSeconds(60)));
        Thread.sleep(50);
        assertThat(wait).isNotDone();

        hog.freeAll(); // the busy request gets its memory and ends
        assertThat(wait.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void doesNotWaitForAClientThatIsWaitingItself() {
        busy.beginWaitingForOtherClients();
        try {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(20),
                    () ->
                            assertThat(
                                            manager.awaitBusyClients(
                                                    waiter, Set.of(busy), inSeconds(60)))
                                    .isFalse());
        } finally {
            busy.endWaitingForOtherClients();
        }
        assertThat(waiter.isWaitingForOtherClients()).isFalse();
    }

    @Test
    void doesNotWaitWhileAnotherThreadSpillsOneOfItsConsumers() throws Exception {
        TestConsumer victim = TestConsumer.storage(waiter, "victim");
        CountDownLatch marked = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread spiller =
                new Thread(
                        () -> {
                            victim.beginSpill(); // as a thread blocked on the victim's lock
                            marked.countDown();
                            try {
                                done.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                victim.endSpill();
                            }
                        });
        spiller.start();
        marked.await();
        try {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(20),
                    () ->
                            assertThat(
                                            manager.awaitBusyClients(
                                                    waiter, Set.of(busy), inSeconds(60)))
                                    .isFalse());
        } finally {
            done.countDown();
            spiller.join();
        }
        victim.close();
    }

    @Test
    void givesUpAtTheDeadline() {
        assertThat(manager.awaitBusyClients(waiter, Set.of(busy), System.nanoTime() + 1_000_000))
                .isFalse();
        assertThat(manager.stats().waitNanos()).isPositive();
    }

    private static long inSeconds(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }
}
