package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.memory.UnifiedMemoryManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * State far larger than a tiny budget, written while snapshot views and scan cursors pin memtable
 * pages: the store must spill, never fail. MapState-like entries (small user keys and 8-byte
 * values) make the on-heap index as large as the records, so its growth competes with pinned pages
 * for the same few pages of budget (the failure the examples' account-spend job found).
 */
class StoreMemoryPressureTest {

    private static final int BUDGET = 256 * 1024;
    private static final int BIG_ROW = 99_999;
    private static final int BIG_ROW_ENTRIES = 2_000;
    private static final int ENTRIES_PER_ROW = 16;

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(BUDGET, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("pressure");

    /** What the store should hold. */
    private final Map<ByteBuffer, ByteBuffer> model = new HashMap<>();

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    @Test
    void writesFarBeyondTheBudgetWhileASnapshotAndACursorPinPages() throws IOException {
        try (SpillableStore store = open()) {
            for (int u = 0; u < BIG_ROW_ENTRIES; u++) {
                put(store, BIG_ROW, u, 0);
            }
            int row = 0;
            while (store.bytesInMemory() < BUDGET / 2) {
                putRow(store, row++, 0);
            }
            Map<ByteBuffer, ByteBuffer> frozen = new HashMap<>(model);
            try (StoreSnapshot snapshot = store.snapshot();
                    StoreCursor bigRow = store.scan(rowKey(BIG_ROW), rowKey(BIG_ROW).length)) {
                // Four budgets of records (and as much index), removing through the open cursor.
                for (int round = 1; round <= 4; round++) {
                    for (int r = 0; r < 400; r++) {
                        putRow(store, r, round);
                        if (bigRow.next()) {
                            byte[] key = bigRow.key();
                            bigRow.remove();
                            model.remove(ByteBuffer.wrap(key));
                        }
                    }
                }
                assertThat(store.spills()).isPositive();
                assertThat(readAll(snapshot)).isEqualTo(frozen);
            }
            assertThat(readAll(store)).isEqualTo(model);
        }
    }

    @Test
    void aWriterWaitsForASnapshotThatPinsTheWholeBudget() throws Exception {
        try (SpillableStore store = open();
                MemoryConsumer hog = hog(client)) {
            fillToTheBrim(store, client, hog);
            Map<ByteBuffer, ByteBuffer> frozen = new HashMap<>(model);
            StoreSnapshot snapshot = store.snapshot();
            // The checkpoint's asynchronous part: reads the view on its own thread, then closes it.
            CompletableFuture<Map<ByteBuffer, ByteBuffer>> written =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (snapshot) {
                                    return readAll(snapshot);
                                } catch (IOException e) {
                                    throw new RuntimeException(e);
                                }
                            });
            for (int r = 0; r < 1_000; r++) {
                putRow(store, r, 1);
            }
            assertThat(written.get(30, TimeUnit.SECONDS)).isEqualTo(frozen);
            assertThat(readAll(store)).isEqualTo(model);
        }
    }

    @Test
    void aWriterGivesUpWhenTheViewPinningTheBudgetIsNeverClosed() throws IOException {
        try (UnifiedMemoryManager small = new UnifiedMemoryManager(BUDGET, impatient());
                MemoryClient memory = small.newClient("impatient");
                // No eviction ahead of need and no compaction in the background: whether a page
                // can still be found must not depend on what those threads did before the view.
                SpillableStore store =
                        SpillableStore.open(
                                memory,
                                StoreSettings.defaults(spillParent)
                                        .withEvictionAhead(false)
                                        .withCompactionTrigger(64),
                                "stall");
                MemoryConsumer hog = hog(memory)) {
            int next = fillToTheBrim(store, memory, hog);
            // Taken and never read: as if a checkpoint's asynchronous part never ran.
            try (StoreSnapshot snapshot = store.snapshot()) {
                assertThatThrownBy(
                                () -> {
                                    for (int r = next; r < next + 1_000; r++) {
                                        putRow(store, r, 0);
                                    }
                                })
                        .isInstanceOf(SpillwayMemoryException.class);
            }
            // The failed put changed nothing; with the view closed, writing goes on.
            for (int r = 0; r < 1_000; r++) {
                putRow(store, r, 1);
            }
            assertThat(readAll(store)).isEqualTo(model);
        }
    }

    @Test
    void aPersistedViewHoldsNoMemoryAndWritesNeverWaitForIt() throws IOException {
        try (UnifiedMemoryManager small = new UnifiedMemoryManager(BUDGET, impatient());
                MemoryClient memory = small.newClient("persisted");
                SpillableStore store =
                        SpillableStore.open(memory, StoreSettings.defaults(spillParent), "persist");
                MemoryConsumer hog = hog(memory)) {
            int next = fillToTheBrim(store, memory, hog);
            Map<ByteBuffer, ByteBuffer> frozen = new HashMap<>(model);
            // The checkpoint's asynchronous part persists first, then takes its time to upload.
            try (StoreSnapshot snapshot = store.snapshot()) {
                List<SnapshotRun> files = snapshot.persist();
                assertThat(files).isNotEmpty();
                for (int r = next; r < next + 1_000; r++) {
                    putRow(store, r, 0);
                }
                assertThat(readAll(snapshot)).isEqualTo(frozen);
                assertThat(snapshot.persist()).isEqualTo(files);
                assertThat(files).allSatisfy(run -> assertThat(run.file()).isRegularFile());
            }
            assertThat(readAll(store)).isEqualTo(model);
        }
    }

    /**
     * Writes rows until the store has spilled, then lets an execution consumer take all the free
     * memory, so that a snapshot taken now pins all the memory the store can get (the index stops
     * growing before pages fill the budget, so writing alone would leave free memory); returns
     * the next unwritten row. The caller closes the consumer.
     */
    private int fillToTheBrim(SpillableStore store, MemoryClient memory, MemoryConsumer hog)
            throws IOException {
        int row = 0;
        while (store.spills() == 0) {
            putRow(store, row++, 0);
        }
        long free = memory.manager().freeMemory();
        if (free > 0) { // none when the spill left the budget exactly full
            hog.acquireMemory(free);
        }
        return row;
    }

    /** Memory settings under which a write gives up waiting for snapshot memory after 50 ms. */
    private static MemorySettings impatient() {
        return MemorySettings.defaults()
                .withPageSize(4096)
                .withExecutionWaitTimeout(Duration.ofMillis(50));
    }

    /** Execution memory that cannot be spilled while it is held; returned at close. */
    private static MemoryConsumer hog(MemoryClient memory) {
        return new MemoryConsumer(memory, PoolKind.EXECUTION, "hog") {
            @Override
            public long spill(long bytes, MemoryConsumer trigger) {
                return 0;
            }

            @Override
            public void close() {
                if (getUsed() > 0) {
                    releaseMemory(getUsed());
                }
                super.close();
            }
        };
    }

    /**
     * A row whose entries sit on every page of a full budget, scanned by the task thread while it
     * writes: the cursor's pins hold every page, so eviction frees nothing until the write detaches
     * the cursor (its rest copied to the heap, its pins returned). Waiting would never end: the
     * cursor belongs to the writing thread. Failed with "Cannot acquire ... spilled 0 bytes of
     * itself" before; Flink's testMapStateIteratorArbitraryAccess hit it when the background
     * eviction lagged.
     */
    @Test
    void aTaskThreadScanPinningEveryPageDoesNotMakeItsOwnWritesFail() throws IOException {
        StoreSettings noEvictionAhead = StoreSettings.defaults(spillParent).withEvictionAhead(false);
        try (SpillableStore store = SpillableStore.open(client, noEvictionAhead, "pressure")) {
            int u = 0;
            int row = 0;
            while (store.bytesInMemory() < BUDGET * 3 / 4) {
                put(store, BIG_ROW, u++, 0); // one big-row entry between every two other rows
                putRow(store, row++, 0);
            }
            Map<ByteBuffer, ByteBuffer> bigRowAtOpen = new HashMap<>();
            model.forEach((key, value) -> {
                if (startsWith(key, rowKey(BIG_ROW))) {
                    bigRowAtOpen.put(key, value);
                }
            });
            Map<ByteBuffer, ByteBuffer> scanned = new HashMap<>();
            MemoryConsumer hog = hog(client);
            try (StoreCursor bigRow = store.scan(rowKey(BIG_ROW), rowKey(BIG_ROW).length);
                    hog) {
                long free = client.manager().freeMemory();
                if (free > 0) {
                    hog.acquireMemory(free); // the next page must come from the pinned ones
                }
                for (int round = 1; round <= 4; round++) {
                    for (int r = 0; r < 400; r++) {
                        putRow(store, 1_000 + r, round);
                        if (bigRow.next()) {
                            scanned.put(ByteBuffer.wrap(bigRow.key()), ByteBuffer.wrap(bigRow.value()));
                        }
                    }
                }
                scanned.putAll(drain(bigRow));
            }
            assertThat(scanned).isEqualTo(bigRowAtOpen);
            assertThat(readAll(store)).isEqualTo(model);
        }
    }

    private static boolean startsWith(ByteBuffer key, byte[] prefix) {
        return key.remaining() >= prefix.length
                && key.duplicate().limit(prefix.length).equals(ByteBuffer.wrap(prefix));
    }

    private SpillableStore open() throws IOException {
        return SpillableStore.open(client, StoreSettings.defaults(spillParent), "pressure");
    }

    private void putRow(StateStore store, int row, int round) throws IOException {
        for (int u = 0; u < ENTRIES_PER_ROW; u++) {
            put(store, row, u, round);
        }
    }

    private void put(StateStore store, int row, int userKey, int round) throws IOException {
        byte[] key = mapKey(row, userKey);
        byte[] value = ByteBuffer.allocate(8).putInt(row).putInt(userKey + round).array();
        store.put(key, key.length, value, 0, value.length);
        model.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
    }

    private static byte[] rowKey(int row) {
        return TestKeys.row(row % 4, 1, row, 0);
    }

    private static byte[] mapKey(int row, int userKey) {
        byte[] rowKey = rowKey(row);
        byte[] key = Arrays.copyOf(rowKey, rowKey.length + 4);
        ByteBuffer.wrap(key, rowKey.length, 4).putInt(userKey);
        return key;
    }

    private static Map<ByteBuffer, ByteBuffer> readAll(SpillableStore store) throws IOException {
        try (StoreCursor cursor = store.scan(new byte[0], 0)) {
            return drain(cursor);
        }
    }

    private static Map<ByteBuffer, ByteBuffer> readAll(StoreSnapshot snapshot) throws IOException {
        try (StoreCursor cursor = snapshot.scan(new byte[0], 0)) {
            return drain(cursor);
        }
    }

    private static Map<ByteBuffer, ByteBuffer> drain(StoreCursor cursor) throws IOException {
        Map<ByteBuffer, ByteBuffer> entries = new HashMap<>();
        while (cursor.next()) {
            entries.put(ByteBuffer.wrap(cursor.key()), ByteBuffer.wrap(cursor.value()));
        }
        return entries;
    }
}
