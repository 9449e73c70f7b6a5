package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.run.RunFormatOptions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based test: long random sequences of puts, gets, deletes, appends and prefix scans run
 * against {@link SpillableStore} and {@link ReferenceStore} side by side, with forced evictions
 * (tiny budgets and explicit spills), full compactions, snapshots that must stay frozen while
 * writes continue, restores that rebuild a store from a snapshot's full scan, and restores that
 * adopt a snapshot's runs for a slice of the key groups (fenced, then clipped). A failure names
 * the seed and the operation number; rerun one seed with {@code
 * -Dsurefire.argLine="-Dspillway.bounds.checks=true -Dspillway.model.seed=N"}.
 */
class StoreModelTest {

    private static final int SEEDS = 40;
    private static final int OPERATIONS_PER_SEED = 26_000;

    @TempDir Path spillParent;

    @Test
    void randomOperationsMatchTheReferenceStore() throws Exception {
        String only = System.getProperty("spillway.model.seed");
        if (only != null) {
            runSeed(Long.parseLong(only), OPERATIONS_PER_SEED);
            return;
        }
        for (int seed = 0; seed < SEEDS; seed++) {
            runSeed(seed, OPERATIONS_PER_SEED);
        }
    }

    private void runSeed(long seed, int operations) throws Exception {
        try {
            new ModelRun(seed, spillParent).run(operations);
        } catch (Throwable failure) {
            throw new AssertionError(
                    "Model test failed for seed " + seed + " (rerun with -Dspillway.model.seed=" + seed + ")",
                    failure);
        }
    }

    /** One seed: a store, its reference, and the open snapshots with their frozen contents. */
    private static final class ModelRun {

        private final long seed;
        private final Random random;
        private final TestKeys keys;
        private final UnifiedMemoryManager manager;
        private final MemoryClient client;
        private final StoreSettings settings;
        private final ReferenceStore reference = new ReferenceStore();
        private final List<FrozenSnapshot> snapshots = new ArrayList<>();
        private SpillableStore store;
        private int operation;
        /** The key groups the store owns: all, until a restore adopts a slice of them. */
        private int ownedFirst = 0;
        private int ownedLast = 3;
        /** An eviction running on another thread while the operations go on, or null. */
        private CompletableFuture<Long> backgroundEviction;

        ModelRun(long seed, Path spillParent) throws IOException {
            this.seed = seed;
            this.random = new Random(seed);
            this.keys = new TestKeys(random, 1 + random.nextInt(60));
            long budget = (256 + random.nextInt(1792)) * 1024L;
            this.manager =
                    new UnifiedMemoryManager(
                            budget, MemorySettings.defaults().withPageSize(4096));
            this.client = manager.newClient("model-" + seed);
            this.settings =
                    StoreSettings.defaults(spillParent)
                            .withRunFormat(
                                    RunFormatOptions.defaults()
                                            .withBlockSize(1024 << random.nextInt(4)))
                            .withCompactionTrigger(2 + random.nextInt(4));
            this.store = SpillableStore.open(client, settings, "model-" + seed);
        }

        void run(int operations) throws Exception {
            try {
                for (operation = 0; operation < operations; operation++) {
                    step();
                }
                awaitBackgroundEviction();
                assertSameContent(store.scan(new byte[0], 0), reference.scan(new byte[0], 0));
                for (FrozenSnapshot snapshot : snapshots) {
                    snapshot.verifyFully();
                }
            } catch (Throwable failure) {
                throw new AssertionError("operation " + operation, failure);
            } finally {
                if (backgroundEviction != null) {
                    backgroundEviction.handle((freed, failure) -> null).join();
                }
                for (FrozenSnapshot snapshot : snapshots) {
                    snapshot.view.close();
                    snapshot.frozen.close();
                }
                store.close();
                client.assertNoLeaks();
                client.close();
                manager.close();
            }
        }

        private void step() throws Exception {
            int dice = random.nextInt(1000);

            if (dice < 300) {
                byte[] key = keys.randomKey();
                byte[] value = keys.randomValue();
                store.put(key, key.length, value, 0, value.length);
                reference.put(key, key.length, value, 0, value.length);
            } else if (dice < 560) {
                byte[] key = keys.randomKey();
                assertThat(store.get(key, key.length))
                        .as(() -> "get " + Arrays.toString(key))
                        .isEqualTo(reference.get(key, key.length));
            } else if (dice < 660) {
                byte[] key = keys.randomKey();
                store.delete(key, key.length);
                reference.delete(key, key.length);
            } else if (dice < 840) {
                byte[] key = keys.randomKey();
                byte[] element = keys.randomElement();
                int offset = random.nextInt(3);
                byte[] padded = new byte[offset + element.length + 2];
                System.arraycopy(element, 0, padded, offset, element.length);
                store.append(key, key.length, padded, offset, element.length);
                reference.append(key, key.length, element, 0, element.length);
            } else if (dice < 880) {
                scanAndCompare();
            } else if (dice < 895) {
                evict(1 + random.nextInt(64 * 1024));
            } else if (dice < 897) {
                store.compactFully();
            } else if (dice < 905) {
                takeSnapshot();
            } else if (dice < 920) {
                verifySnapshot();
            } else if (dice < 925) {
                persistSnapshot();
            } else if (dice < 935) {
                closeSnapshot();
            } else if (dice < 940) {
                scanAndRemove();
            } else if (dice < 942) {
                reopenFromSnapshot();
            } else if (dice < 944) {
                adoptKeyGroupSlice();
            } else {
                byte[] key = keys.randomKey();
                assertThat(store.get(key, key.length)).isEqualTo(reference.get(key, key.length));
            }
        }

        /**
         * Evicts on this thread, or on another one while the next operations run (as when another
         * backend of the slot needs memory): the run is then written off the store lock.
         */
        private void evict(long bytes) throws IOException {
            if (random.nextBoolean()) {
                store.evict(bytes);
            } else if (backgroundEviction == null || backgroundEviction.isDone()) {
                awaitBackgroundEviction();
                SpillableStore target = store;
                backgroundEviction =
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        return target.evict(bytes);
                                    } catch (IOException e) {
                                        throw new UncheckedIOException(e);
                                    }
                                });
            }
        }

        private void awaitBackgroundEviction() {
            if (backgroundEviction != null) {
                backgroundEviction.join();
                backgroundEviction = null;
            }
        }

        private void scanAndCompare() throws IOException {
            byte[] prefix = keys.randomPrefix();
            assertSameContent(store.scan(prefix, prefix.length), reference.scan(prefix, prefix.length));
        }

        /** Iterates a row while deleting some of its entries through the cursor. */
        private void scanAndRemove() throws IOException {
            byte[] prefix = keys.randomPrefix();
            try (StoreCursor cursor = store.scan(prefix, prefix.length)) {
                while (cursor.next()) {
                    if (random.nextBoolean()) {
                        byte[] key = cursor.key();
                        cursor.remove();
                        reference.delete(key, key.length);
                    }
                }
            }
        }

        private void takeSnapshot() throws IOException {
            if (snapshots.size() == 3) {
                closeSnapshot();
            }
            snapshots.add(new FrozenSnapshot(store.snapshot(), reference.snapshot()));
        }

        private void verifySnapshot() throws IOException {
            if (!snapshots.isEmpty()) {
                FrozenSnapshot snapshot = snapshots.get(random.nextInt(snapshots.size()));
                if (random.nextInt(8) == 0) {
                    snapshot.verifyFully();
                } else {
                    snapshot.verifyPrefix(keys.randomPrefix());
                }
            }
        }

        /** Writes a view's in-memory part to its own run; the view must read the same afterwards. */
        private void persistSnapshot() throws IOException {
            if (!snapshots.isEmpty()) {
                FrozenSnapshot snapshot = snapshots.get(random.nextInt(snapshots.size()));
                List<SnapshotRun> files = snapshot.view.persist();
                assertThat(files).allSatisfy(run -> assertThat(run.file()).isRegularFile());
                assertThat(files.stream().map(SnapshotRun::name)).doesNotHaveDuplicates();
                snapshot.verifyPrefix(keys.randomPrefix());
            }
        }

        private void closeSnapshot() throws IOException {
            if (!snapshots.isEmpty()) {
                FrozenSnapshot closed = snapshots.remove(random.nextInt(snapshots.size()));
                closed.view.close();
                closed.frozen.close();
            }
        }

        /** What a restore does: a new store filled from a snapshot's full scan, in key order. */
        private void reopenFromSnapshot() throws IOException {
            awaitBackgroundEviction();
            SpillableStore restored = SpillableStore.open(client, settings, "restored-" + seed);
            try (StoreSnapshot view = store.snapshot();
                    StoreCursor cursor = view.scan(new byte[0], 0)) {
                while (cursor.next()) {
                    byte[] key = cursor.key();
                    byte[] value = cursor.value();
                    restored.put(key, key.length, value, 0, value.length);
                }
            }
            for (FrozenSnapshot snapshot : snapshots) {
                snapshot.view.close();
                snapshot.frozen.close();
            }
            snapshots.clear();
            store.close();
            store = restored;
        }

        /**
         * What a rescaled restore does: a new store adopts the persisted runs of a snapshot, with
         * a random slice of the key groups. Runs holding other key groups are fenced, then clipped
         * by the compactor while the operations go on; the reference simply forgets those key
         * groups. Later writes to them are new state in both.
         */
        private void adoptKeyGroupSlice() throws IOException {
            awaitBackgroundEviction();
            int sliceFirst = random.nextInt(4);
            int sliceLast = sliceFirst + random.nextInt(4 - sliceFirst);
            // As a restore does with a checkpoint handle: only key groups that both the new store
            // and the old one owned are current (a fenced file may still carry older ones).
            int first = Math.max(sliceFirst, ownedFirst);
            int last = Math.min(sliceLast, ownedLast);
            ownedFirst = sliceFirst;
            ownedLast = sliceLast;
            SpillableStore adopting =
                    SpillableStore.open(client, settings, "adopting-" + seed + "-" + operation);
            try (StoreSnapshot view = store.snapshot()) {
                List<AdoptedRun> runs = new ArrayList<>();
                for (SnapshotRun run : view.persist()) {
                    // A fenced file carries stale key groups even inside the owned range.
                    int runFirst = run.fence() == null ? first : Math.max(first, run.fence().first());
                    int runLast = run.fence() == null ? last : Math.min(last, run.fence().last());
                    if (runFirst > runLast) {
                        continue; // nothing of this file is the new store's
                    }
                    Path staged = adopting.stagingFile();
                    Files.copy(run.file(), staged);
                    runs.add(new AdoptedRun(
                            staged, run.name(), runFirst, runLast, new int[] {0, 1}));
                }
                adopting.adopt(runs);
            } catch (IOException | RuntimeException e) {
                adopting.close();
                throw e;
            }
            try (StoreCursor all = reference.scan(new byte[0], 0)) {
                while (all.next()) {
                    int keyGroup = CompositeKey.keyGroup(all.key());
                    if (keyGroup < first || keyGroup > last) {
                        all.remove();
                    }
                }
            }
            for (FrozenSnapshot snapshot : snapshots) {
                snapshot.view.close();
                snapshot.frozen.close();
            }
            snapshots.clear();
            store.close();
            store = adopting;
        }

        /** A view of the store under test and the reference's frozen copy of the same moment. */
        private final class FrozenSnapshot {
            final StoreSnapshot view;
            final StoreSnapshot frozen;

            FrozenSnapshot(StoreSnapshot view, StoreSnapshot frozen) {
                this.view = view;
                this.frozen = frozen;
            }

            void verifyFully() throws IOException {
                verifyPrefix(new byte[0]);
            }

            void verifyPrefix(byte[] prefix) throws IOException {
                assertSameContent(view.scan(prefix, prefix.length), frozen.scan(prefix, prefix.length));
            }
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    /**
     * Walks both cursors in step: same keys in the same (strictly ascending) order, same values.
     * Streaming keeps the million-operation run cheap; a mismatch names the key in hex.
     */
    static void assertSameContent(StoreCursor actual, StoreCursor expected) throws IOException {
        try (actual;
                expected) {
            byte[] previous = null;
            while (true) {
                boolean hasActual = actual.next();
                boolean hasExpected = expected.next();
                if (!hasActual || !hasExpected) {
                    assertThat(hasActual)
                            .as(() -> hasActual
                                    ? "unexpected entry " + HEX.formatHex(actual.key())
                                    : "missing entry " + HEX.formatHex(expected.key()))
                            .isEqualTo(hasExpected);
                    return;
                }
                byte[] key = actual.key();
                byte[] expectedKey = expected.key();
                if (!Arrays.equals(key, expectedKey)) {
                    throw new AssertionError(
                            "key " + HEX.formatHex(key) + " where " + HEX.formatHex(expectedKey) + " was expected");
                }
                if (previous != null && Arrays.compareUnsigned(previous, key) >= 0) {
                    throw new AssertionError("keys out of order at " + HEX.formatHex(key));
                }
                byte[] value = actual.value();
                byte[] expectedValue = expected.value();
                if (!Arrays.equals(value, expectedValue)) {
                    throw new AssertionError(
                            "value of "
                                    + HEX.formatHex(key)
                                    + " is "
                                    + HEX.formatHex(value)
                                    + ", expected "
                                    + HEX.formatHex(expectedValue));
                }
                previous = key;
            }
        }
    }

    /**
     * Drains a cursor into a map of hex strings (which sort like the unsigned bytes and compare by
     * value), checking that keys come strictly ascending.
     */
    static TreeMap<String, String> contentOf(StoreCursor cursor) throws IOException {
        TreeMap<String, String> content = new TreeMap<>();
        byte[] previous = null;
        try (cursor) {
            while (cursor.next()) {
                byte[] key = cursor.key();
                if (previous != null) {
                    assertThat(Arrays.compareUnsigned(previous, key))
                            .as("keys ascend")
                            .isNegative();
                }
                content.put(HEX.formatHex(key), HEX.formatHex(cursor.value()));
                previous = key;
            }
        }
        return content;
    }
}
