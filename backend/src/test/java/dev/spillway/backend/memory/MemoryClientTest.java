package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The acquire path of one client, the spill protocol and leak detection. */
class MemoryClientTest {

    private static final int PAGE = MemorySettings.MIN_PAGE_SIZE;

    /** 16 pages, all reachable by execution, so the tests are about spilling, not the floor. */
    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(
                    16 * PAGE,
                    MemorySettings.defaults()
                            .withPageSize(PAGE)
                            .withStorageFraction(0.0)
                            .withExecutionWaitTimeout(Duration.ZERO));

    private final MemoryClient client = manager.newClient("backend");

    @AfterEach
    void tearDown() {
        client.close();
        manager.close();
    }

    @Test
    void spillsTheSmallestOtherConsumerThatCoversTheNeed() {
        List<String> spills = new ArrayList<>();
        TestConsumer large = TestConsumer.execution(client, "large").logSpillsTo(spills);
        TestConsumer medium = TestConsumer.execution(client, "medium").logSpillsTo(spills);
        TestConsumer small = TestConsumer.execution(client, "small").logSpillsTo(spills);
        large.addPages(10);
        medium.addPages(4);
        small.addPages(2);
        TestConsumer requester = TestConsumer.execution(client, "requester").logSpillsTo(spills);

        requester.reserve(3L * PAGE);

        assertThat(spills).containsExactly("medium");
        assertThat(medium.lastTrigger()).isSameAs(requester);
        assertThat(manager.stats().spilledBytes()).isEqualTo(3L * PAGE);
        freeAll(large, medium, small, requester);
    }

    @Test
    void choosesTheLargestWhenNoneCovers() {
        TestConsumer a = TestConsumer.execution(client, "a");
        TestConsumer b = TestConsumer.execution(client, "b");
        TestConsumer c = TestConsumer.execution(client, "c");
        a.reserve(300);
        b.reserve(500);
        c.reserve(400);

        assertThat(Acquisition.smallestCoveringElseLargest(List.of(a, b, c), 450)).isSameAs(b);
        assertThat(Acquisition.smallestCoveringElseLargest(List.of(a, b, c), 350)).isSameAs(c);
        assertThat(Acquisition.smallestCoveringElseLargest(List.of(a, b, c), 600)).isSameAs(b);
        freeAll(a, b, c);
    }

    @Test
    void spillsStorageThenOthersThenItself() {
        List<String> spills = new ArrayList<>();
        TestConsumer other = TestConsumer.execution(client, "other").logSpillsTo(spills);
        TestConsumer self = TestConsumer.execution(client, "self").logSpillsTo(spills);
        TestConsumer cache = TestConsumer.storage(client, "cache").logSpillsTo(spills);
        other.addPages(4);
        self.addPages(8); // N = 2: the cap is 8 pages
        cache.addPages(4); // memory is full
        cache.unspillable();

        self.reserve(1); // over its cap: only its own spill can help, the others are spared
        assertThat(spills).containsExactly("self");

        spills.clear();
        self.unspillable();
        other.reserve(4L * PAGE); // within its cap, but no free memory
        assertThat(spills).containsExactly("cache", "self", "other");
        assertThat(other.pageCount()).isZero();
        freeAll(other, self, cache);
    }

    @Test
    void aFailedSpillIsReportedAsTheCause() {
        TestConsumer broken = TestConsumer.execution(client, "broken");
        broken.addPages(16);
        broken.failNextSpill(new IOException("disk full"));
        TestConsumer requester = TestConsumer.execution(client, "requester").unspillable();

        assertThatThrownBy(() -> requester.addPages(1))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("a spill failed")
                .hasMessageContaining("disk full")
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(broken.pageCount()).isEqualTo(16); // nothing lost
        freeAll(broken, requester);
    }

    @Test
    void aVictimThatCannotSpillIsSkippedForTheNext() {
        List<String> spills = new ArrayList<>();
        TestConsumer stuck = TestConsumer.execution(client, "stuck").logSpillsTo(spills);
        TestConsumer healthy = TestConsumer.execution(client, "healthy").logSpillsTo(spills);
        stuck.addPages(6);
        healthy.addPages(8); // 2 pages stay free
        stuck.failNextSpill(new IOException("no space left on device"));
        TestConsumer requester = TestConsumer.execution(client, "requester");

        requester.reserve(5L * PAGE); // stuck covers the 3 missing pages alone: asked first
        assertThat(spills).containsExactly("stuck", "healthy");
        assertThat(stuck.pageCount()).isEqualTo(6);
        freeAll(stuck, healthy, requester);
    }

    @Test
    void acquiringFromInsideItsOwnSpillFailsLoudly() {
        MemoryConsumer greedy =
                new MemoryConsumer(client, PoolKind.EXECUTION, "greedy") {
                    @Override
                    public long spill(long bytes, MemoryConsumer trigger) {
                        acquireMemory(1);
                        return 0;
                    }
                };
        greedy.acquireMemory(16L * PAGE);

        assertThatThrownBy(() -> greedy.acquireMemory(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "'greedy' tried to acquire 1 bytes from inside its own spill()");
        greedy.releaseMemory(16L * PAGE);
        greedy.close();
    }

    @Test
    void aSpillMayAllocateThroughAnotherConsumer() {
        TestConsumer sortBuffer = TestConsumer.execution(client, "sort-buffer");
        MemoryConsumer memtable =
                new MemoryConsumer(client, PoolKind.STORAGE, "memtable") {
                    @Override
                    public long spill(long bytes, MemoryConsumer trigger) {
                        releaseMemory(getUsed());
                        sortBuffer.reserve(100); // e.g. a buffer for the run it writes
                        sortBuffer.freeAll();
                        return 8L * PAGE;
                    }
                };
        memtable.acquireMemory(8L * PAGE);
        TestConsumer cache = TestConsumer.storage(client, "cache");
        cache.addPages(8);
        cache.unspillable();

        TestConsumer writer = TestConsumer.execution(client, "writer");
        writer.addPages(4);
        assertThat(memtable.getUsed()).isZero();
        memtable.close();
        freeAll(sortBuffer, cache, writer);
    }

    @Test
    void aLeakAtCloseIsReclaimedAndFailsInStrictMode() {
        TestConsumer leaky = TestConsumer.storage(client, "leaky");
        leaky.addPages(3);
        leaky.reserve(10);

        assertThatThrownBy(client::assertNoLeaks)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("consumer 'leaky' (STORAGE) holds " + (3L * PAGE + 10));

        if (MemoryClient.STRICT_LEAK_CHECKS) {
            assertThatThrownBy(client::close)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Memory leak in client 'backend'")
                    .hasMessageContaining("in 3 pages");
        } else {
            client.close();
        }
        assertThat(manager.storageUsed()).isZero();
        assertThat(manager.pagesInUse()).isZero();
        assertThat(client.pagesInUse()).isZero();
    }

    @Test
    void closingALeakyConsumerReclaimsItsMemory() {
        TestConsumer leaky = TestConsumer.execution(client, "leaky");
        leaky.addPages(2);
        if (MemoryClient.STRICT_LEAK_CHECKS) {
            assertThatThrownBy(leaky::close).hasMessageContaining("'leaky'");
        } else {
            leaky.close();
        }
        assertThat(manager.executionUsed()).isZero();
        client.assertNoLeaks();
    }

    @Test
    void consumersOfAClosedClientCannotBeCreated() {
        client.close();
        assertThatThrownBy(() -> TestConsumer.execution(client, "late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void consumersCannotUseAnotherClient() {
        MemoryClient other = manager.newClient("other");
        TestConsumer foreign = TestConsumer.execution(other, "foreign");
        Page page = foreign.allocatePage();
        assertThatThrownBy(() -> client.freePage(foreign, page))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to another memory client");
        foreign.freePage(page);
        other.close();
    }

    @Test
    void rejectsNonPositiveAmounts() {
        TestConsumer consumer = TestConsumer.execution(client, "c");
        assertThatThrownBy(() -> consumer.acquireMemory(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> consumer.releaseMemory(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> consumer.allocatePage(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void freeAll(TestConsumer... consumers) {
        for (TestConsumer consumer : consumers) {
            consumer.freeAll();
        }
    }
}
