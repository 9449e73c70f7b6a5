package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.assertSameEntries;
import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.forEachSeed;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static dev.spillway.backend.store.run.RunFixtures.writeRun;
import static org.assertj.core.api.Assertions.assertThat;

/** Writes random runs and reads them back by point get, full scan, seek and prefix scan. */
class RunRoundTripTest {

    @TempDir Path temp;

    private RunDirectory directory;

    @BeforeEach
    void setUp() {
        directory = null;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (directory != null) {
            directory.close();
        }
    }

    @ParameterizedTest
    @EnumSource(BlockCompression.class)
    void randomRunsReadBackExactly(BlockCompression compression) throws Exception {
        BlockCache cache = new BlockCache(64 * 1024, MemoryCharge.UNACCOUNTED);
        directory = RunDirectory.create(temp, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE).withCompression(compression), cache);
        forEachSeed(1000, 20, (seed, random) -> {
            TreeMap<byte[], EntryValue> entries = randomEntries(random, 1 + random.nextInt(2000));
            Run run = writeRun(directory, entries);
            try {
                assertThat(run.entryCount()).isEqualTo(entries.size());
                assertThat(run.firstKey()).isEqualTo(entries.firstKey());
                assertThat(run.lastKey()).isEqualTo(entries.lastKey());
                assertSameEntries(entries, drain(run.scan(new byte[0], true)));
                for (Map.Entry<byte[], EntryValue> entry : entries.entrySet()) {
                    EntryValue found = run.get(entry.getKey(), entry.getKey().length);
                    assertThat(found).isNotNull();
                    assertThat(found.kind()).isEqualTo(entry.getValue().kind());
                    assertThat(found.value()).isEqualTo(entry.getValue().value());
                }
                for (int i = 0; i < 500; i++) {
                    byte[] probe = randomKeyBytes(random);
                    EntryValue found = run.get(probe, probe.length);
                    EntryValue expected = entries.get(probe);
                    assertThat(found == null).isEqualTo(expected == null);
                }
                checkSeeks(run, entries, random);
                checkPrefixScans(run, entries, random);
            } finally {
                run.release();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(BlockCompression.class)
    void entriesLargerThanABlockGetTheirOwnBlock(BlockCompression compression) throws Exception {
        directory = RunDirectory.create(temp, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE).withCompression(compression), BlockCache.disabled());
        TreeMap<byte[], EntryValue> entries = sortedMap();
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] value = new byte[random.nextInt(10_000)];
            random.nextBytes(value);
            entries.put(new byte[] {(byte) i}, new EntryValue(EntryKind.PUT, value));
        }
        Run run = writeRun(directory, entries);
        try {
            assertSameEntries(entries, drain(run.scan(new byte[0], false)));
        } finally {
            run.release();
        }
    }

    @ParameterizedTest
    @EnumSource(BlockCompression.class)
    void emptyKeysAndValuesRoundTrip(BlockCompression compression) throws Exception {
        directory = RunDirectory.create(
                temp, RunFormatOptions.defaults().withCompression(compression), BlockCache.disabled());
        TreeMap<byte[], EntryValue> entries = sortedMap();
        entries.put(new byte[0], new EntryValue(EntryKind.PUT, new byte[0]));
        entries.put(new byte[] {0}, new EntryValue(EntryKind.DELETE, new byte[0]));
        entries.put(new byte[] {(byte) 0xFF}, new EntryValue(EntryKind.APPEND, new byte[] {1}));
        Run run = writeRun(directory, entries);
        try {
            assertSameEntries(entries, drain(run.scan(new byte[0], true)));
            assertThat(run.get(new byte[0], 0).kind()).isEqualTo(EntryKind.PUT);
        } finally {
            run.release();
        }
    }

    @Test
    void seekInAPrefixScanStaysInsideThePrefix() throws Exception {
        directory = RunDirectory.create(temp, RunFormatOptions.defaults(), BlockCache.disabled());
        TreeMap<byte[], EntryValue> entries = sortedMap();
        for (int group = 0; group < 3; group++) {
            for (int i = 0; i < 10; i++) {
                entries.put(new byte[] {(byte) group, (byte) i}, new EntryValue(EntryKind.PUT, new byte[] {(byte) i}));
            }
        }
        Run run = writeRun(directory, entries);
        try (RunCursor cursor = run.scan(new byte[] {1}, true)) {
            cursor.seek(new byte[] {0, 5}); // below the prefix: starts at the prefix
            assertThat(cursor.next()).isTrue();
            assertThat(cursor.key()).containsExactly(1, 0);
            cursor.seek(new byte[] {1, 7});
            assertThat(cursor.next()).isTrue();
            assertThat(cursor.key()).containsExactly(1, 7);
            cursor.seek(new byte[] {2, 0}); // above the prefix: the scan ends
            assertThat(cursor.next()).isFalse();
        } finally {
            run.release();
        }
    }

    @Test
    void prefixOutsideTheRunsKeyRangeReadsNoBlock() throws Exception {
        BlockCache cache = new BlockCache(1 << 20, MemoryCharge.UNACCOUNTED);
        directory = RunDirectory.create(temp, RunFormatOptions.defaults(), cache);
        TreeMap<byte[], EntryValue> entries = sortedMap();
        entries.put(new byte[] {5, 1}, new EntryValue(EntryKind.PUT, new byte[] {1}));
        entries.put(new byte[] {5, 9}, new EntryValue(EntryKind.PUT, new byte[] {2}));
        Run run = writeRun(directory, entries);
        try {
            for (byte[] outside : new byte[][] {{4}, {6}, {5, 0}, {5, 10}, {5, 9, 0}}) {
                assertThat(drain(run.scan(outside, true))).isEmpty();
            }
            assertThat(cache.misses()).isZero();
            assertThat(drain(run.scan(new byte[] {5}, true))).hasSize(2);
            assertThat(drain(run.scan(new byte[] {5, 9}, true))).hasSize(1);
        } finally {
            run.release();
        }
    }

    private static void checkSeeks(Run run, TreeMap<byte[], EntryValue> entries, Random random)
            throws Exception {
        try (RunCursor cursor = run.scan(new byte[0], true)) {
            for (int i = 0; i < 50; i++) {
                byte[] target = randomKeyBytes(random);
                cursor.seek(target);
                Map.Entry<byte[], EntryValue> expected = entries.ceilingEntry(target);
                assertThat(cursor.next()).isEqualTo(expected != null);
                if (expected != null) {
                    assertThat(cursor.key()).isEqualTo(expected.getKey());
                    assertThat(cursor.value()).isEqualTo(expected.getValue().value());
                    Map.Entry<byte[], EntryValue> after = entries.higherEntry(expected.getKey());
                    assertThat(cursor.next()).isEqualTo(after != null);
                    if (after != null) {
                        assertThat(cursor.key()).isEqualTo(after.getKey());
                    }
                }
            }
        }
    }

    private static void checkPrefixScans(Run run, TreeMap<byte[], EntryValue> entries, Random random)
            throws Exception {
        for (int i = 0; i < 20; i++) {
            byte[] prefix = Arrays.copyOf(randomKeyBytes(random), random.nextInt(3));
            TreeMap<byte[], EntryValue> expected = sortedMap();
            for (Map.Entry<byte[], EntryValue> entry : entries.tailMap(prefix, true).entrySet()) {
                byte[] key = entry.getKey();
                if (key.length < prefix.length || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                expected.put(key, entry.getValue());
            }
            assertSameEntries(expected, drain(run.scan(prefix, random.nextBoolean())));
        }
    }

    private static TreeMap<byte[], EntryValue> randomEntries(Random random, int count) {
        TreeMap<byte[], EntryValue> entries = sortedMap();
        while (entries.size() < count) {
            EntryKind kind = EntryKind.values()[random.nextInt(3)];
            byte[] value = kind == EntryKind.DELETE ? new byte[0] : RunFixtures.randomValue(random, 100);
            if (random.nextInt(4) == 0) {
                Arrays.fill(value, (byte) 'x'); // compressible
            }
            entries.put(randomKeyBytes(random), new EntryValue(kind, value));
        }
        return entries;
    }

    /** Keys with shared prefixes (few distinct first bytes) and varied lengths. */
    private static byte[] randomKeyBytes(Random random) {
        byte[] key = new byte[1 + random.nextInt(12)];
        random.nextBytes(key);
        key[0] = (byte) (random.nextInt(4) * 0x50);
        return key;
    }
}
