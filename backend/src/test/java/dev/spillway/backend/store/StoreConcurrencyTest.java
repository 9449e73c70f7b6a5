package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.spillway.backend.store.StoreModelTest.contentOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task thread writes while, at the same time, asynchronous snapshot readers scan views taken
 * along the way, background compactions merge runs, and another thread reclaims storage memory
 * (through the memory manager, as an execution request elsewhere in the slot would, and by
 * calling the eviction path directly). Every view must read exactly the state of its moment, and
 * the store must end equal to the reference.
 */
class StoreConcurrencyTest {

    private static final int WRITES = 40_000;
    private static final int SNAPSHOT_EVERY = 2_000;

    @TempDir Path spillParent;

    @Test
    void snapshotsStayFrozenWhileWritesCompactionsAndEvictionsRun() throws Exception {
        UnifiedMemoryManager manager =
                new UnifiedMemoryManager(
                        4 << 20,
                        MemorySettings.defaults().withPageSize(4096).withStorageFraction(0.05));
        MemoryClient client = manager.newClient("concurrency");
        StoreSettings settings = StoreSettings.defaults(spillParent).withCompactionTrigger(2);
        SpillableStore store = SpillableStore.open(client, settings, "concurrent");
        ReferenceStore reference = new ReferenceStore();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread reclaimer = new Thread(() -> reclaimWhile(writing, client, store), "reclaimer");
        List<Future<?>> verifications = new ArrayList<>();
        try {
            reclaimer.start();
            Random random = new Random(42);
            TestKeys keys = new TestKeys(random, 400);
            for (int i = 1; i <= WRITES; i++) {
                byte[] key = keys.randomKey();
                int dice = random.nextInt(10);
                if (dice < 5) {
                    byte[] value = keys.randomValue();
                    store.put(key, key.length, value, 0, value.length);
                    reference.put(key, key.length, value, 0, value.length);
                } else if (dice < 8) {
                    byte[] element = keys.randomElement();
                    store.append(key, key.length, element, 0, element.length);
                    reference.append(key, key.length, element, 0, element.length);
                } else if (dice < 9) {
                    store.delete(key, key.length);
                    reference.delete(key, key.length);
                } else {
                    assertThat(store.get(key, key.length)).isEqualTo(reference.get(key, key.length));
                }
                if (i % SNAPSHOT_EVERY == 0) {
                    StoreSnapshot view = store.snapshot();
                    TreeMap<String, String> frozen = contentOf(reference.scan(new byte[0], 0));
                    verifications.add(readers.submit(() -> verifyAndClose(view, frozen)));
                }
            }
            writing.set(false);
            reclaimer.join();
            for (Future<?> verification : verifications) {
                verification.get(60, TimeUnit.SECONDS);
            }
            assertThat(contentOf(store.scan(new byte[0], 0)))
                    .containsExactlyEntriesOf(contentOf(reference.scan(new byte[0], 0)));
            assertThat(store.evictedEntries()).isPositive();
            assertThat(store.compactions()).isPositive();
        } finally {
            writing.set(false);
            reclaimer.join();
            readers.shutdown();
            readers.awaitTermination(60, TimeUnit.SECONDS);
            store.close();
            client.assertNoLeaks();
            client.close();
            manager.close();
        }
    }

    /** Scans a view twice (whole, then per key group) from this reader thread, then closes it. */
    private static Void verifyAndClose(StoreSnapshot view, TreeMap<String, String> frozen)
            throws Exception {
        try (view) {
            assertThat(contentOf(view.scan(new byte[0], 0))).containsExactlyEntriesOf(frozen);
            TreeMap<String, String> byKeyGroup = new TreeMap<>();
            for (int keyGroup = 0; keyGroup < 4; keyGroup++) {
                byte[] prefix = new byte[CompositeKey.KEY_GROUP_BYTES];
                CompositeKey.writeKeyGroupPrefix(prefix, keyGroup);
                byKeyGroup.putAll(contentOf(view.scan(prefix, prefix.length)));
            }
            assertThat(byKeyGroup).containsExactlyEntriesOf(frozen);
        }
        return null;
    }

    /**
     * Another thread of the slot: takes execution memory (the manager evicts the store's storage
     * to make room) and also calls the store's eviction directly, as a spill from elsewhere would.
     */
    private static void reclaimWhile(AtomicBoolean writing, MemoryClient client, SpillableStore store) {
        Random random = new Random(7);
        try (ExecutionConsumer sorter = new ExecutionConsumer(client)) {
            while (writing.get()) {
                long bytes = (1 + random.nextInt(16)) * 64 * 1024L;
                sorter.acquireMemory(bytes);
                Thread.onSpinWait();
                sorter.releaseMemory(bytes);
                store.evict(1 + random.nextInt(128 * 1024));
                Thread.sleep(1);
            }
        } catch (Exception e) {
            throw new AssertionError("reclaiming memory failed", e);
        }
    }

    /** An execution consumer with nothing to spill, like a sort buffer in use. */
    private static final class ExecutionConsumer extends MemoryConsumer {
        ExecutionConsumer(MemoryClient client) {
            super(client, PoolKind.EXECUTION, "sorter");
        }

        @Override
        public long spill(long bytes, MemoryConsumer trigger) {
            return 0;
        }
    }
}
