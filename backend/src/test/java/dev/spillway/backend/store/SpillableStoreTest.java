package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Eviction policy and memory accounting as seen from outside the store. */
class SpillableStoreTest {

    private static final int KEYS_PER_GROUP = 400;

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(8 << 20, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("policy");

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    @Test
    void readHotEntriesSurviveEvictionWhileScannedOnesGo() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "policy")) {
            writeGroup(store, 0);
            writeGroup(store, 1);
            for (int round = 0; round < 3; round++) {
                readGroup(store, 0);
                // Iteration, snapshots and restores read group 1 over and over: no heat.
                byte[] groupOne = new byte[CompositeKey.KEY_GROUP_BYTES];
                CompositeKey.writeKeyGroupPrefix(groupOne, 1);
                try (StoreCursor cursor = store.scan(groupOne, groupOne.length)) {
                    while (cursor.next()) {
                        cursor.value();
                    }
                }
                try (StoreSnapshot snapshot = store.snapshot();
                        StoreCursor cursor = snapshot.scan(new byte[0], 0)) {
                    while (cursor.next()) {
                        cursor.value();
                    }
                }
            }

            // A fifth of the memory: less than the cold group holds, so only it should go.
            store.evict(store.bytesInMemory() / 5);
            assertThat(store.evictedEntries()).isPositive();

            long runReadsBefore = store.blockCacheHits() + store.blockCacheMisses();
            readGroup(store, 0);
            assertThat(store.blockCacheHits() + store.blockCacheMisses())
                    .as("reads of the hot group that went to runs")
                    .isEqualTo(runReadsBefore);
            readGroup(store, 1);
            assertThat(store.blockCacheHits() + store.blockCacheMisses())
                    .as("reads of the scanned group that went to runs")
                    .isGreaterThan(runReadsBefore);
        }
    }

    @Test
    void memoryIsAccountedToThePoolAndReturnedByEviction() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "accounting")) {
            writeGroup(store, 0);
            long held = store.bytesInMemory();
            assertThat(held).isPositive().isEqualTo(manager.storageUsed());
            // Pages hold at least the records; the index reservation comes on top.
            assertThat(held).isGreaterThan(KEYS_PER_GROUP * 100L);

            long freed = store.evict(Long.MAX_VALUE);
            assertThat(freed).isPositive();
            assertThat(store.entriesInMemory()).isZero();
            assertThat(store.bytesInMemory()).isEqualTo(held - freed);
            // The new run's bloom filter and block index are storage memory too; the eviction's
            // sort and writer were execution memory only while it ran.
            assertThat(store.runIndexBytes()).isPositive();
            assertThat(manager.storageUsed()).isEqualTo(held - freed + store.runIndexBytes());
            assertThat(manager.executionUsed()).isZero();
            readGroup(store, 0);
        }
        assertThat(manager.storageUsed()).isZero();
    }

    /**
     * A task cancelled mid-checkpoint disposes its store while the checkpoint's thread still reads
     * the view's pinned records: the pages must not go back to the pool (for other backends to
     * overwrite) until the reader lets the view go.
     */
    @Test
    void closeWaitsForTheSnapshotReaderBeforeFreeingItsPages() throws Exception {
        SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "lease");
        writeGroup(store, 0);
        StoreSnapshot snapshot = store.snapshot();
        StoreCursor reader = snapshot.scan(new byte[0], 0);
        assertThat(reader.next()).isTrue();

        CompletableFuture<Void> disposal =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                store.close();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
        Thread.sleep(300);
        assertThat(disposal).isNotDone();
        assertThat(client.pagesInUse()).isPositive();

        // The reader still sees its records intact (bounds checks fail on a freed page).
        int read = 1;
        while (reader.next()) {
            assertThat(new String(reader.value(), StandardCharsets.UTF_8)).startsWith("group-0-");
            read++;
        }
        assertThat(read).isEqualTo(KEYS_PER_GROUP);
        reader.close();
        snapshot.close();
        disposal.get(10, TimeUnit.SECONDS);
        assertThat(client.pagesInUse()).isZero();
    }

    /**
     * A persisted snapshot's run joins the store and its entries turn clean, so the next snapshot
     * writes only what changed since and names the earlier run again (what an incremental
     * checkpoint shares instead of uploading).
     */
    @Test
    void theNextSnapshotWritesOnlyWhatChangedSinceThePreviousOne() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "delta")) {
            writeGroup(store, 0);
            List<SnapshotRun> first;
            try (StoreSnapshot snapshot = store.snapshot()) {
                first = snapshot.persist();
            }
            assertThat(first).hasSize(1);
            assertThat(first.get(0).entryCount()).isEqualTo(KEYS_PER_GROUP);

            for (int i = 0; i < 10; i++) {
                byte[] key = TestKeys.row(0, 0, i, 0);
                byte[] value = ("changed-" + i).getBytes(StandardCharsets.UTF_8);
                store.put(key, key.length, value, 0, value.length);
            }
            try (StoreSnapshot snapshot = store.snapshot()) {
                List<SnapshotRun> second = snapshot.persist();
                assertThat(second).hasSize(2);
                assertThat(second.get(0).entryCount()).isEqualTo(10);
                assertThat(second.get(1).name()).isEqualTo(first.get(0).name());
                try (StoreCursor cursor = snapshot.scan(new byte[0], 0)) {
                    int entries = 0;
                    while (cursor.next()) {
                        entries++;
                    }
                    assertThat(entries).isEqualTo(KEYS_PER_GROUP);
                }
            }
            // Every entry is clean now: they leave memory without a byte written.
            long written = store.bytesWrittenToDisk();
            store.evict(store.bytesInMemory());
            assertThat(store.evictedEntries()).isPositive();
            assertThat(store.spills()).isZero();
            assertThat(store.bytesWrittenToDisk()).isEqualTo(written);
            readGroupAfterChanges(store);
        }
    }

    /**
     * A checkpoint every few writes, as in a job: evictions between them free the pages written
     * before the last snapshot, whose records its run holds, and write nothing, rather than a
     * small run of dirty entries the next snapshot would write anyway (each such run uploaded,
     * then merged and uploaded again by the next incremental checkpoint). The CLOCK hand goes
     * round the page numbers, which new pages reuse, so without the preference for settled pages
     * it reaches pages written since the snapshot well before the settled ones run out.
     */
    @Test
    void evictionsBetweenCheckpointsFreeSettledPagesAndWriteNothing() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(
                        client,
                        StoreSettings.defaults(spillParent).withEvictionAhead(false),
                        "settled")) {
            writeGroup(store, 0);
            writeGroup(store, 1);
            for (int checkpoint = 2; checkpoint < 12; checkpoint++) {
                try (StoreSnapshot snapshot = store.snapshot()) {
                    snapshot.persist();
                }
                writeGroup(store, checkpoint);
                store.evict(store.bytesInMemory() / 4);
            }
            assertThat(store.evictedEntries()).isGreaterThan(4 * KEYS_PER_GROUP);
            assertThat(store.spills()).as("evictions that wrote a run").isZero();
            for (int group = 0; group < 12; group++) {
                readGroup(store, group);
            }
        }
    }

    /**
     * A view that is not persisted promptly loses its claim on the store: an explicit full
     * compaction takes the freeze at once (it does not wait for the view), and the view's run,
     * written later, stays its own, so the next snapshot writes those entries again.
     */
    @Test
    void aViewLeftUnpersistedDoesNotHoldUpCompaction() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "revoked")) {
            writeGroup(store, 0);
            store.evict(Long.MAX_VALUE);
            writeGroup(store, 2);
            store.evict(Long.MAX_VALUE);
            assertThat(store.runCount()).isEqualTo(2);
            writeGroup(store, 1);
            try (StoreSnapshot late = store.snapshot()) {
                CompletableFuture<Void> compaction =
                        CompletableFuture.runAsync(
                                () -> {
                                    try {
                                        store.compactFully();
                                    } catch (IOException e) {
                                        throw new UncheckedIOException(e);
                                    }
                                });
                assertThat(compaction).succeedsWithin(10, TimeUnit.SECONDS);
                assertThat(store.runCount()).isEqualTo(1);
                List<SnapshotRun> files = late.persist();
                assertThat(files).hasSize(3);
                assertThat(files.get(0).entryCount()).isEqualTo(KEYS_PER_GROUP);
                // The view still reads its own moment.
                try (StoreCursor cursor = late.scan(new byte[0], 0)) {
                    int entries = 0;
                    while (cursor.next()) {
                        entries++;
                    }
                    assertThat(entries).isEqualTo(3 * KEYS_PER_GROUP);
                }
                try (StoreSnapshot next = store.snapshot()) {
                    List<SnapshotRun> nextFiles = next.persist();
                    assertThat(nextFiles)
                            .as("the late view's run did not join the store: written again")
                            .hasSize(2);
                    assertThat(nextFiles.get(0).entryCount()).isEqualTo(KEYS_PER_GROUP);
                    assertThat(nextFiles.get(0).name()).isNotEqualTo(files.get(0).name());
                }
            }
        }
    }

    /** The compaction-pending metric goes up when spills call for a merge and back down after. */
    @Test
    void compactionPendingShowsTheBacklog() throws Exception {
        try (SpillableStore store =
                SpillableStore.open(
                        client,
                        StoreSettings.defaults(spillParent).withCompactionTrigger(2),
                        "backlog")) {
            assertThat(store.compactionPending()).isZero();
            writeGroup(store, 0);
            store.evict(Long.MAX_VALUE);
            writeGroup(store, 1);
            store.evict(Long.MAX_VALUE);
            // Scheduled by the second spill; the merge may already be over.
            assertThat(store.compactionPending() == 1 || store.compactions() > 0)
                    .as("a merge is pending or done after the second run")
                    .isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((store.compactions() == 0 || store.compactionPending() != 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(store.compactions()).isPositive();
            assertThat(store.compactionPending()).isZero();
            assertThat(store.runCount()).isEqualTo(1);
            readGroup(store, 0);
            readGroup(store, 1);
        }
    }

    private static void readGroupAfterChanges(SpillableStore store) throws IOException {
        for (int i = 0; i < KEYS_PER_GROUP; i++) {
            byte[] key = TestKeys.row(0, 0, i, 0);
            byte[] expected =
                    i < 10 ? ("changed-" + i).getBytes(StandardCharsets.UTF_8) : value(0, i);
            assertThat(store.get(key, key.length)).isEqualTo(expected);
        }
    }

    private static void writeGroup(SpillableStore store, int keyGroup) throws IOException {
        for (int i = 0; i < KEYS_PER_GROUP; i++) {
            byte[] key = TestKeys.row(keyGroup, 0, i, 0);
            byte[] value = value(keyGroup, i);
            store.put(key, key.length, value, 0, value.length);
        }
    }

    private static void readGroup(SpillableStore store, int keyGroup) throws IOException {
        for (int i = 0; i < KEYS_PER_GROUP; i++) {
            byte[] key = TestKeys.row(keyGroup, 0, i, 0);
            assertThat(store.get(key, key.length)).isEqualTo(value(keyGroup, i));
        }
    }

    private static byte[] value(int keyGroup, int i) {
        return ("group-" + keyGroup + "-value-" + i + "-".repeat(100)).getBytes(StandardCharsets.UTF_8);
    }
}
