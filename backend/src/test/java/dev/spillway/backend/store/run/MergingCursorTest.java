package dev.spillway.backend.store.run;

import dev.spillway.backend.store.ReferenceStore;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.assertSameValues;
import static dev.spillway.backend.store.run.RunFixtures.collapse;
import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.forEachSeed;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static dev.spillway.backend.store.run.RunFixtures.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random operations are cut into layers (the memtable flushed as runs at random moments); reading
 * the layers newest first must give what the reference store gives for the same operations.
 */
class MergingCursorTest {

    @TempDir Path temp;

    private RunDirectory directory;

    @BeforeEach
    void setUp() throws IOException {
        directory = RunDirectory.create(temp,
                RunFormatOptions.defaults().withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE),
                new BlockCache(1 << 20, MemoryCharge.UNACCOUNTED));
    }

    @AfterEach
    void tearDown() throws IOException {
        directory.close();
    }

    @Test
    void layeredRunsResolveLikeTheModel() throws Exception {
        forEachSeed(5000, 60, (seed, random) -> {
            int keySpace = 10 + random.nextInt(200);
            List<RunFixtures.Op> ops = RunFixtures.randomOps(random, 50 + random.nextInt(1500), keySpace);
            ReferenceStore truth = new ReferenceStore();
            RunFixtures.apply(truth, ops);
            TreeMap<byte[], byte[]> expected = RunFixtures.contents(truth);
            List<Run> runs = writeLayers(ops, random);
            try {
                // Full merge: exactly the live values.
                assertSameValues(expected, values(drain(new MergingCursor(cursors(runs, new byte[0]), true))));

                // Point reads: resolver across runs, newest first, stopping at a base.
                EntryResolver resolver = new EntryResolver();
                for (int k = 0; k < keySpace; k++) {
                    byte[] key = RunFixtures.key(k);
                    resolver.reset();
                    for (Run run : runs) {
                        EntryValue entry = run.get(key, key.length);
                        if (entry != null && resolver.add(entry.kind(), entry.value())) {
                            break;
                        }
                    }
                    byte[] value = resolver.value();
                    byte[] model = truth.get(key, key.length);
                    assertThat(value).as("key %s", Arrays.toString(key)).isEqualTo(model);
                }

                // Prefix merge: the live values under a one-byte prefix.
                byte[] prefix = {(byte) random.nextInt(5)};
                TreeMap<byte[], byte[]> underPrefix = sortedMap();
                for (Map.Entry<byte[], byte[]> entry : expected.entrySet()) {
                    if (entry.getKey()[0] == prefix[0]) {
                        underPrefix.put(entry.getKey(), entry.getValue());
                    }
                }
                assertSameValues(underPrefix, values(drain(new MergingCursor(cursors(runs, prefix), true))));

                // Partial merge of the newest runs, layered back over the older ones.
                int cut = 1 + random.nextInt(Math.max(1, runs.size()));
                List<Run> newer = runs.subList(0, Math.min(cut, runs.size()));
                List<Run> older = runs.subList(newer.size(), runs.size());
                TreeMap<byte[], EntryValue> partial =
                        drain(new MergingCursor(cursors(newer, new byte[0]), older.isEmpty()));
                List<EntryCursor> layered = new ArrayList<>();
                layered.add(new MapCursor(partial));
                layered.addAll(cursors(older, new byte[0]));
                assertSameValues(expected, values(drain(new MergingCursor(layered, true))));
            } finally {
                runs.forEach(Run::release);
            }
        });
    }

    @Test
    void closingTheMergeClosesEverySource() throws IOException {
        MapCursor a = new MapCursor(sortedMap());
        MapCursor b = new MapCursor(sortedMap());
        MergingCursor merge = new MergingCursor(List.of(a, b), true);
        assertThat(merge.next()).isFalse();
        merge.close();
        assertThat(a.isClosed()).isTrue();
        assertThat(b.isClosed()).isTrue();
    }

    @Test
    void newerSourceWinsOnEqualKeys() throws IOException {
        TreeMap<byte[], EntryValue> newer = sortedMap();
        TreeMap<byte[], EntryValue> older = sortedMap();
        newer.put(new byte[] {1}, new EntryValue(EntryKind.PUT, new byte[] {9}));
        older.put(new byte[] {1}, new EntryValue(EntryKind.PUT, new byte[] {8}));
        older.put(new byte[] {2}, new EntryValue(EntryKind.DELETE, new byte[0]));
        newer.put(new byte[] {2}, new EntryValue(EntryKind.APPEND, new byte[] {7}));

        TreeMap<byte[], EntryValue> merged =
                drain(new MergingCursor(List.of(new MapCursor(newer), new MapCursor(older)), false));

        assertThat(merged.get(new byte[] {1}).value()).containsExactly(9);
        assertThat(merged.get(new byte[] {2}).kind()).isEqualTo(EntryKind.PUT);
        assertThat(merged.get(new byte[] {2}).value()).containsExactly(7);
    }

    /** Cuts the operations at random points, collapses each layer, writes non-empty ones as runs. */
    private List<Run> writeLayers(List<RunFixtures.Op> ops, Random random) throws IOException {
        int layers = 1 + random.nextInt(6);
        List<Integer> cuts = new ArrayList<>();
        for (int i = 1; i < layers; i++) {
            cuts.add(random.nextInt(ops.size() + 1));
        }
        cuts.add(0);
        cuts.add(ops.size());
        Collections.sort(cuts);
        List<Run> oldestFirst = new ArrayList<>();
        for (int i = 0; i + 1 < cuts.size(); i++) {
            TreeMap<byte[], EntryValue> layer = collapse(ops.subList(cuts.get(i), cuts.get(i + 1)));
            if (!layer.isEmpty()) {
                oldestFirst.add(RunFixtures.writeRun(directory, layer));
            }
        }
        Collections.reverse(oldestFirst);
        return oldestFirst;
    }

    private static List<EntryCursor> cursors(List<Run> runs, byte[] prefix) throws IOException {
        List<EntryCursor> cursors = new ArrayList<>();
        for (Run run : runs) {
            cursors.add(run.scan(prefix, true));
        }
        return cursors;
    }
}
