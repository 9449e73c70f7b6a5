package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A store adopting another store's persisted runs: as they are, clipped, and remapped. */
class RunAdoptionTest {

    @TempDir Path spillParent;
    @TempDir Path copies;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(8 << 20, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("adoption");

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    /** Key groups 0..9, states 0 and 1, 20 keys each; persisted as runs and copied out. */
    private List<SnapshotRun> writeAndPersist(List<Path> files) throws IOException {
        try (SpillableStore source =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "source")) {
            for (int keyGroup = 0; keyGroup < 10; keyGroup++) {
                for (int state = 0; state < 2; state++) {
                    for (int key = 0; key < 20; key++) {
                        byte[] row = TestKeys.row(keyGroup, state, key, 0);
                        byte[] value = value(keyGroup, state, key);
                        source.put(row, row.length, value, 0, value.length);
                    }
                }
                if (keyGroup == 4) {
                    source.evict(Long.MAX_VALUE); // an older run under the memtable's
                }
            }
            try (StoreSnapshot view = source.snapshot()) {
                List<SnapshotRun> runs = view.persist();
                for (SnapshotRun run : runs) {
                    Path copy = copies.resolve(run.name());
                    Files.copy(run.file(), copy);
                    files.add(copy);
                }
                return runs;
            }
        }
    }

    private static byte[] value(int keyGroup, int state, int key) {
        return (keyGroup + "/" + state + "/" + key).getBytes(StandardCharsets.UTF_8);
    }

    private static List<AdoptedRun> adopted(
            SpillableStore store,
            List<SnapshotRun> runs,
            List<Path> files,
            int first,
            int last,
            int[] stateIds)
            throws IOException {
        List<AdoptedRun> adopted = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Path staged = store.stagingFile();
            Files.copy(files.get(i), staged);
            adopted.add(new AdoptedRun(staged, runs.get(i).name(), first, last, stateIds));
        }
        return adopted;
    }

    @Test
    void runsInsideTheFenceKeepTheirNames() throws IOException {
        List<Path> files = new ArrayList<>();
        List<SnapshotRun> runs = writeAndPersist(files);
        assertThat(runs).hasSizeGreaterThan(1);
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "target")) {
            List<String> names = store.adopt(adopted(store, runs, files, 0, 9, new int[] {0, 1}));
            assertThat(names)
                    .containsExactlyElementsOf(runs.stream().map(SnapshotRun::name).toList());
            for (int keyGroup = 0; keyGroup < 10; keyGroup++) {
                byte[] row = TestKeys.row(keyGroup, 1, 7, 0);
                assertThat(store.get(row, row.length)).isEqualTo(value(keyGroup, 1, 7));
            }
        }
    }

    @Test
    void clippedAndRemappedRunsHoldOnlyTheirKeyGroupsUnderTheNewIds() throws IOException {
        List<Path> files = new ArrayList<>();
        List<SnapshotRun> runs = writeAndPersist(files);
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "target")) {
            List<String> names = store.adopt(adopted(store, runs, files, 3, 6, new int[] {1, 0}));
            assertThat(names)
                    .doesNotContainAnyElementsOf(runs.stream().map(SnapshotRun::name).toList());
            try (StoreCursor all = store.scan(new byte[0], 0)) {
                int entries = 0;
                while (all.next()) {
                    int keyGroup = CompositeKey.keyGroup(all.key());
                    assertThat(keyGroup).isBetween(3, 6);
                    entries++;
                }
                assertThat(entries).isEqualTo(4 * 2 * 20);
            }
            for (int keyGroup = 3; keyGroup <= 6; keyGroup++) {
                byte[] newState0 = TestKeys.row(keyGroup, 0, 5, 0);
                assertThat(store.get(newState0, newState0.length)).isEqualTo(value(keyGroup, 1, 5));
                byte[] newState1 = TestKeys.row(keyGroup, 1, 5, 0);
                assertThat(store.get(newState1, newState1.length)).isEqualTo(value(keyGroup, 0, 5));
            }
        }
    }

    @Test
    void runsWithForeignKeyGroupsAreFencedAtOnceAndClippedInTheBackground() throws Exception {
        List<Path> files = new ArrayList<>();
        List<SnapshotRun> runs = writeAndPersist(files);
        List<String> originalNames = runs.stream().map(SnapshotRun::name).toList();
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "target")) {
            // Same state ids: nothing is rewritten on the restore path, the files keep their names.
            List<String> names = store.adopt(adopted(store, runs, files, 3, 6, new int[] {0, 1}));
            assertThat(names).containsExactlyElementsOf(originalNames);
            assertShowsOnlyKeyGroupsThreeToSix(store);

            // The compactor rewrites the fenced runs first, without being asked: new files, the
            // foreign key groups gone from disk, the same contents.
            long deadline = System.nanoTime() + 30_000_000_000L;
            List<String> current = currentRunNames(store);
            while (current.stream().anyMatch(originalNames::contains)) {
                assertThat(System.nanoTime()).as("fenced runs clipped in time").isLessThan(deadline);
                Thread.sleep(20);
                current = currentRunNames(store);
            }
            assertThat(current).isNotEmpty();
            assertShowsOnlyKeyGroupsThreeToSix(store);
        }
    }

    private static void assertShowsOnlyKeyGroupsThreeToSix(SpillableStore store) throws IOException {
        for (int keyGroup = 0; keyGroup < 10; keyGroup++) {
            byte[] row = TestKeys.row(keyGroup, 1, 7, 0);
            if (keyGroup >= 3 && keyGroup <= 6) {
                assertThat(store.get(row, row.length)).isEqualTo(value(keyGroup, 1, 7));
            } else {
                assertThat(store.get(row, row.length)).isNull();
            }
            byte[] keyGroupPrefix = TestKeys.row(keyGroup, 0, 0, 0);
            try (StoreCursor rows = store.scan(keyGroupPrefix, CompositeKey.KEY_GROUP_BYTES)) {
                int entries = 0;
                while (rows.next()) {
                    entries++;
                }
                assertThat(entries).isEqualTo(keyGroup >= 3 && keyGroup <= 6 ? 2 * 20 : 0);
            }
        }
        try (StoreCursor all = store.scan(new byte[0], 0)) {
            int entries = 0;
            while (all.next()) {
                assertThat(CompositeKey.keyGroup(all.key())).isBetween(3, 6);
                entries++;
            }
            assertThat(entries).isEqualTo(4 * 2 * 20);
        }
    }

    private static List<String> currentRunNames(SpillableStore store) throws IOException {
        try (StoreSnapshot view = store.snapshot()) {
            return view.persist().stream().map(SnapshotRun::name).toList();
        }
    }

    @Test
    void onlyAnEmptyStoreAdopts() throws IOException {
        try (SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(spillParent), "target")) {
            byte[] row = TestKeys.row(0, 0, 0, 0);
            store.put(row, row.length, row, 0, row.length);
            assertThatThrownBy(() -> store.adopt(List.of()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("only an empty store adopts runs");
        }
    }
}
