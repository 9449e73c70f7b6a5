package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The block cache as a storage consumer: hot blocks win memory from state, up to a share. */
class BlockCacheMemoryTest {

    private static final int KEYS = 12_000;

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(1 << 20, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("cache");

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    /**
     * Eviction ahead of need is off: it keeps part of the budget free, and these tests measure
     * how blocks and pages compete for a full one. Background compaction is held off too (a merge
     * drops the cached blocks of its inputs whenever it happens to finish), so what the cache holds
     * depends on the reads alone.
     */
    private StoreSettings settings() {
        return StoreSettings.defaults(spillParent)
                .withEvictionAhead(false)
                .withCompactionTrigger(64);
    }

    @Test
    void hotBlocksEvictColdStateUpToTheirShareAndKeepIt() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, settings(), "cache")) {
            for (int i = 0; i < KEYS; i++) {
                put(store, i);
            }
            assertThat(store.runCount()).isPositive();
            long freeBefore = manager.freeMemory();
            // Full up to what the last eviction returned: at least an eighth of the memtable's
            // pages, more now that the index takes less of the budget (13 bytes per entry slot).
            assertThat(freeBefore).as("the memtable fills the budget").isLessThan(256 << 10);
            long spillsBefore = store.spills();

            // Neighbouring keys share blocks: each key is read once (so none is promoted into the
            // memtable), but every block they live in is read many times and becomes hot.
            for (int round = 0; round < 1; round++) {
                for (int i = 0; i < 2000; i++) {
                    get(store, i);
                }
            }
            long cached = store.blockCacheBytes();
            assertThat(cached).as("hot blocks won more than the free memory").isGreaterThan(freeBefore);
            assertThat(store.spills()).as("by evicting state").isGreaterThan(spillsBefore);
            assertThat(store.blockCacheHits()).isPositive();

            // What the memtable may take back before evicting its own pages leaves the protected
            // share (less at most one block: blocks go whole).
            long protectedBytes = store.cacheMemory().protectedBytes();
            assertThat(protectedBytes).isPositive();
            store.cacheMemory().yieldUnprotected(Long.MAX_VALUE);
            assertThat(store.blockCacheBytes()).isGreaterThan(protectedBytes - 8192);

            // New writes need memory: the memtable takes back blocks beyond the share and evicts
            // its own cold pages for the rest (compaction may also drop blocks of merged runs).
            for (int i = KEYS; i < KEYS + 4000; i++) {
                put(store, i);
            }
            // Blocks may fill free memory beyond the share, but the memtable takes that back.
            assertThat(store.blockCacheBytes())
                    .as("at most the protected share of cached blocks plus memtable pages")
                    .isLessThanOrEqualTo(
                            (long) (BlockCacheMemory.PROTECTED_SHARE * store.cacheAndPageBytes())
                                    + 8192);
            for (int i = 0; i < KEYS + 4000; i += 7) {
                get(store, i);
            }
        }
        assertThat(manager.storageUsed()).isZero();
    }

    @Test
    void executionMemoryTakesCachedBlocksFirst() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, settings(), "cache")) {
            for (int i = 0; i < KEYS; i++) {
                put(store, i);
            }
            for (int round = 0; round < 1; round++) {
                for (int i = 0; i < 2000; i++) {
                    get(store, i);
                }
            }
            assertThat(store.blockCacheBytes()).isPositive();
            long evictedBefore = store.evictedEntries();
            long cached = store.blockCacheBytes();
            assertThat(store.cacheMemory().spill(cached, null)).isEqualTo(cached);
            assertThat(store.blockCacheBytes()).isZero();
            assertThat(store.evictedEntries()).isEqualTo(evictedBefore);
        }
    }

    private static void put(SpillableStore store, int i) throws IOException {
        byte[] key = TestKeys.row(0, 0, i, 0);
        byte[] value = value(i);
        store.put(key, key.length, value, 0, value.length);
    }

    private static void get(SpillableStore store, int i) throws IOException {
        byte[] key = TestKeys.row(0, 0, i, 0);
        assertThat(store.get(key, key.length)).isEqualTo(value(i));
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-".repeat(60)).getBytes(StandardCharsets.UTF_8);
    }
}
