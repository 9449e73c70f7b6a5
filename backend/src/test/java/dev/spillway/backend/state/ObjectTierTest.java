package dev.spillway.backend.state;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The object tier against a model: random gets, updates and removes over a "store" map that only
 * write-backs reach, with capacities from nothing to everything, so that evictions, write-backs and
 * flushes interleave with every operation.
 */
class ObjectTierTest {

    /** The store below the tier: what write-backs and direct reads/deletes see. */
    private final Map<String, String> store = new HashMap<>();

    private final ObjectTier.Owner owner =
            (row, value) -> store.put(new String(row, StandardCharsets.UTF_8), (String) value);

    @Test
    void matchesTheModelAtEveryCapacity() throws IOException {
        for (long capacity : new long[] {0, 100, 600, 5_000, 1 << 20}) {
            store.clear();
            ObjectTier tier = new ObjectTier(capacity);
            Map<String, String> model = new HashMap<>();
            SplittableRandom random = new SplittableRandom(capacity);
            for (int op = 0; op < 50_000; op++) {
                String key = "row-" + random.nextInt(300);
                byte[] row = key.getBytes(StandardCharsets.UTF_8);
                int hash = AbstractSpillwayState.rowHash(row);
                int choice = random.nextInt(100);
                if (choice < 45) {
                    // A read as SpillwayValueState does it: the tier, else the store (then cached).
                    int slot = tier.find(row, row.length, hash);
                    String value;
                    if (slot >= 0) {
                        value = (String) tier.value(slot);
                    } else {
                        value = store.get(key);
                        if (value != null) {
                            tier.put(row, row.length, hash, value, false, estimate(row, value), owner);
                        }
                    }
                    assertThat(value).as("read of %s at capacity %d, op %d", key, capacity, op)
                            .isEqualTo(model.get(key));
                } else if (choice < 85) {
                    String value = "v" + op;
                    tier.put(row, row.length, hash, value, true, estimate(row, value), owner);
                    model.put(key, value);
                } else if (choice < 95) {
                    tier.remove(row, row.length, hash);
                    store.remove(key);
                    model.remove(key);
                } else {
                    tier.flush();
                    assertThat(store).as("store after a flush").isEqualTo(model);
                    assertThat(tier.dirtyEntries()).isZero();
                }
                assertThat(tier.usedBytes()).isLessThanOrEqualTo(capacity);
            }
            tier.flush();
            assertThat(store).isEqualTo(model);
            if (capacity == 0) {
                assertThat(tier.entries()).isZero();
            }
            if (capacity == 1 << 20) {
                assertThat(tier.evictions()).isZero();
                assertThat(tier.hits()).isPositive();
            } else {
                assertThat(tier.evictions()).isPositive();
            }
        }
    }

    @Test
    void flushWritesOnlyWhatChanged() throws IOException {
        ObjectTier tier = new ObjectTier(1 << 20);
        for (int i = 0; i < 1000; i++) {
            put(tier, "row-" + i, "clean-" + i, false);
        }
        put(tier, "row-7", "changed", true);
        put(tier, "row-9", "changed", true);
        put(tier, "row-9", "changed again", true);
        tier.flush();
        assertThat(tier.writeBacks()).isEqualTo(2);
        assertThat(store).containsOnly(Map.entry("row-7", "changed"), Map.entry("row-9", "changed again"));
        tier.flush();
        assertThat(tier.writeBacks()).as("a second flush finds nothing dirty").isEqualTo(2);
    }

    @Test
    void readsWriteNothingBack() throws IOException {
        ObjectTier tier = new ObjectTier(3 * estimate("row-0".getBytes(StandardCharsets.UTF_8), "v"));
        for (int i = 0; i < 100; i++) {
            put(tier, "row-" + i, "v", false);
            byte[] row = ("row-" + i).getBytes(StandardCharsets.UTF_8);
            int slot = tier.find(row, row.length, AbstractSpillwayState.rowHash(row));
            if (slot >= 0) {
                tier.value(slot);
            }
        }
        tier.flush();
        assertThat(tier.evictions()).isPositive();
        assertThat(tier.writeBacks()).isZero();
        assertThat(store).isEmpty();
    }

    /** A full tier takes a value read from the store only for a row that keeps missing. */
    @Test
    void aFullTierAdmitsOnlyRowsReadAgainAndAgain() throws IOException {
        ObjectTier tier = new ObjectTier(10 * estimate("row-0".getBytes(StandardCharsets.UTF_8), "x"));
        int size = estimate("row-0".getBytes(StandardCharsets.UTF_8), "x");
        assertThat(tier.admitRead(AbstractSpillwayState.rowHash(bytes("cold-0")), size))
                .as("room left: any read enters")
                .isTrue();
        for (int i = 0; i < 10; i++) {
            put(tier, "row-" + i, "x", true);
        }
        int coldAdmitted = 0;
        for (int i = 1; i < 1000; i++) {
            if (tier.admitRead(AbstractSpillwayState.rowHash(bytes("cold-" + i)), size)) {
                coldAdmitted++;
            }
        }
        // A sketch may take a row read once for a repeated one now and then (shared counters).
        assertThat(coldAdmitted).as("rows read once that entered a full tier").isLessThan(20);
        int hot = AbstractSpillwayState.rowHash(bytes("hot"));
        boolean admitted = false;
        for (int i = 0; i < 20 && !admitted; i++) {
            admitted = tier.admitRead(hot, size);
        }
        assertThat(admitted).as("a row that keeps missing enters").isTrue();
    }

    private static byte[] bytes(String row) {
        return row.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recentlyReadEntriesOutliveNewOnes() throws IOException {
        ObjectTier tier = new ObjectTier(10 * estimate("row-0".getBytes(StandardCharsets.UTF_8), "x"));
        for (int i = 0; i < 10; i++) {
            put(tier, "row-" + i, "x", false);
        }
        byte[] hot = "row-3".getBytes(StandardCharsets.UTF_8);
        tier.value(tier.find(hot, hot.length, AbstractSpillwayState.rowHash(hot)));
        for (int i = 10; i < 19; i++) {
            put(tier, "row-" + i, "x", false);
        }
        assertThat(tier.find(hot, hot.length, AbstractSpillwayState.rowHash(hot))).isNotNegative();
    }

    @Test
    void aFailedWriteBackKeepsTheValue() throws IOException {
        ObjectTier.Owner failing =
                (row, value) -> {
                    throw new IOException("disk full");
                };
        ObjectTier tier = new ObjectTier(1 << 20);
        byte[] row = "row".getBytes(StandardCharsets.UTF_8);
        tier.put(row, row.length, AbstractSpillwayState.rowHash(row), "v", true, 100, failing);
        assertThatThrownBy(tier::flush).hasMessageContaining("disk full");
        assertThat(tier.isDirty(row, row.length, AbstractSpillwayState.rowHash(row))).isTrue();
    }

    private void put(ObjectTier tier, String key, String value, boolean dirty) throws IOException {
        byte[] row = key.getBytes(StandardCharsets.UTF_8);
        tier.put(row, row.length, AbstractSpillwayState.rowHash(row), value, dirty, estimate(row, value), owner);
    }

    private static int estimate(byte[] row, String value) {
        return ObjectTier.estimateBytes(row.length, value.length());
    }
}
