package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many consumers of several backends allocate, free, reserve and release at random from several
 * threads for about two seconds, so that evictions, spills from foreign threads and fairness waits
 * all interleave. Checked throughout: used never exceeds the budget. Checked at the end: no thread
 * is stuck (no deadlock), every consumer is charged exactly what it holds, no page is leaked.
 */
class MemoryStressTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;
    private static final int PAGES = 256;
    private static final int CLIENTS = 3;
    private static final int WORKERS = 4;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(2);

    @Test
    void randomTrafficKeepsTheInvariants() throws Exception {
        long seed = System.nanoTime();
        UnifiedMemoryManager manager =
                new UnifiedMemoryManager(
                        PAGES * PAGE,
                        MemorySettings.defaults()
                                .withPageSize(PAGE)
                                .withExecutionWaitTimeout(Duration.ofMillis(20)));
        List<MemoryClient> clients = new ArrayList<>();
        List<TestConsumer> consumers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            MemoryClient client = manager.newClient("backend-" + c);
            clients.add(client);
            consumers.add(TestConsumer.storage(client, "memtable-" + c));
            consumers.add(TestConsumer.execution(client, "sort-" + c));
            consumers.add(TestConsumer.execution(client, "writer-" + c));
        }

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong operations = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            SplittableRandom random = new SplittableRandom(seed + w);
            threads.add(
                    new Thread(
                            () -> {
                                while (!stop.get()) {
                                    TestConsumer consumer =
                                            consumers.get(random.nextInt(consumers.size()));
                                    try {
                                        randomOperation(consumer, random);
                                        operations.incrementAndGet();
                                    } catch (SpillwayMemoryException e) {
                                        refused.incrementAndGet(); // a clean refusal is allowed
                                    } catch (Throwable t) {
                                        failures.add(t);
                                        stop.set(true);
                                    }
                                }
                            },
                            "stress-worker-" + w));
        }
        Thread monitor =
                new Thread(
                        () -> {
                            while (!stop.get()) {
                                long used = manager.usedMemory();
                                long pageBytes = (long) manager.pagesInUse() * PAGE;
                                if (used > manager.budget() || pageBytes > manager.budget()) {
                                    failures.add(
                                            new AssertionError(
                                                    "over budget: used "
                                                            + used
                                                            + ", pages "
                                                            + pageBytes));
                                    stop.set(true);
                                }
                                Thread.onSpinWait();
                            }
                        },
                        "stress-monitor");
        threads.forEach(Thread::start);
        monitor.start();

        long deadline = System.nanoTime() + RUN_NANOS;
        while (System.nanoTime() < deadline && !stop.get()) {
            Thread.sleep(20);
        }
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        }
        monitor.join(TimeUnit.SECONDS.toMillis(20));
        assertThat(threads)
                .as("seed %d: threads stuck (deadlock?):%n%s", seed, stackTraces())
                .noneMatch(Thread::isAlive);
        assertThat(failures).as("seed %d", seed).isEmpty();

        System.out.printf(
                "seed %d: %d operations, %d refused, %d evictions, %d spills, %d ms waited%n",
                seed,
                operations.get(),
                refused.get(),
                manager.stats().evictions(),
                manager.stats().spills(),
                manager.stats().waitNanos() / 1_000_000);
        assertThat(operations.get()).as("seed %d", seed).isGreaterThan(1000);
        assertThat(manager.stats().evictions() + manager.stats().spills())
                .as("seed %d: the run never had to free memory", seed)
                .isPositive();
        for (TestConsumer consumer : consumers) {
            consumer.assertAccounting();
        }
        assertThat(manager.usedMemory()).isLessThanOrEqualTo(manager.budget());

        for (TestConsumer consumer : consumers) {
            consumer.freeAll();
        }
        for (MemoryClient client : clients) {
            client.assertNoLeaks();
            client.close();
        }
        assertThat(manager.usedMemory()).isZero();
        assertThat(manager.pagesInUse()).isZero();
        manager.close();
    }

    /** Storage mostly grows (a memtable), execution comes and goes (buffers). */
    private static void randomOperation(TestConsumer consumer, SplittableRandom random) {
        int choice = random.nextInt(20);
        boolean storage = consumer.pool() == PoolKind.STORAGE;
        if (choice < (storage ? 12 : 8)) {
            consumer.addPages(1 + random.nextInt(4));
        } else if (choice < 15) {
            consumer.freePages(1 + random.nextInt(storage ? 2 : 4));
        } else if (choice < 17) {
            consumer.reserve(1 + random.nextInt(3 * PAGE));
        } else if (choice < 19) {
            consumer.releaseReserved(1 + random.nextInt(3 * PAGE));
        } else if (!storage) {
            consumer.freeAll();
        }
    }

    private static String stackTraces() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            if (entry.getKey().getName().startsWith("stress-")) {
                text.append(entry.getKey().getName()).append('\n');
                for (StackTraceElement frame : entry.getValue()) {
                    text.append("    at ").append(frame).append('\n');
                }
            }
        }
        return text.toString();
    }
}
