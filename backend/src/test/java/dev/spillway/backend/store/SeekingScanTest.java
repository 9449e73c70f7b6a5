package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scan that starts inside its prefix ({@link StateStore#scan(byte[], int, byte[])}) returns
 * exactly the live entries at or above the start key, whether they are in the memtable or in runs
 * (which seek), with deletes of any age respected and other rows left out.
 */
class SeekingScanTest {

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(8 << 20, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("seek");

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    @Test
    void scanFromAKeyMatchesTheModelAcrossMemtableAndRuns() throws IOException {
        byte[] row = TestKeys.row(3, 1, 7, 0);
        byte[] otherRow = TestKeys.row(3, 1, 8, 0);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "seek")) {
            for (int round = 0; round < 3; round++) {
                for (int i = round; i < 600; i += 3) {
                    put(store, model, entry(row, i), round);
                    put(store, null, entry(otherRow, i), round);
                }
                // Deletes land in the memtable above runs that hold the values.
                for (int i = round * 50; i < round * 50 + 40; i++) {
                    byte[] key = entry(row, i);
                    store.delete(key, key.length);
                    model.remove(key);
                }
                store.evict(Long.MAX_VALUE);
            }
            put(store, model, entry(row, 1_000), 9); // in memory only
            assertThat(store.runCount()).isGreaterThan(1);

            for (int from : new int[] {0, 1, 45, 120, 299, 599, 1_000, 1_001}) {
                byte[] start = entry(row, from);
                List<String> expected = new ArrayList<>();
                model.tailMap(start, true).forEach((k, v) -> expected.add(Arrays.toString(k)));
                List<String> actual = new ArrayList<>();
                try (StoreCursor cursor = store.scan(row, row.length, start)) {
                    while (cursor.next()) {
                        actual.add(Arrays.toString(cursor.key()));
                    }
                }
                assertThat(actual).as("scan from %d", from).isEqualTo(expected);
            }
        }
    }

    private static void put(
            SpillableStore store, TreeMap<byte[], byte[]> model, byte[] key, int round)
            throws IOException {
        byte[] value = {(byte) round};
        store.put(key, key.length, value, 0, value.length);
        if (model != null) {
            model.put(key, value);
        }
    }

    /** A map-entry key under the row whose user key orders as {@code i}. */
    private static byte[] entry(byte[] row, int i) {
        byte[] key = Arrays.copyOf(row, row.length + 4);
        key[row.length] = (byte) (i >>> 24);
        key[row.length + 1] = (byte) (i >>> 16);
        key[row.length + 2] = (byte) (i >>> 8);
        key[row.length + 3] = (byte) i;
        return key;
    }
}
