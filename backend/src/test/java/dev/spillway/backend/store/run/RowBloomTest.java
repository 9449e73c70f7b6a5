package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;

/** Scans of a row consult the bloom filter of runs that put their rows into it. */
class RowBloomTest {

    /** Test keys: {@code [row length u8][row bytes...][user key...]}. */
    private static final RowPrefix FIRST_BYTE_IS_ROW_LENGTH =
            (key, length) -> length == 0 ? -1 : 1 + key[0];

    @TempDir Path temp;

    @Test
    void aScanOfAMissingRowReadsNoBlockAndPresentRowsReadAsBefore() throws IOException {
        BlockCache cache = new BlockCache(1 << 20, MemoryCharge.UNACCOUNTED);
        try (RunDirectory directory = RunDirectory.create(temp, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE)
                .withRowPrefix(FIRST_BYTE_IS_ROW_LENGTH), cache)) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            for (int row = 0; row < 200; row += 2) { // even rows only
                for (int user = 0; user < 10; user++) {
                    entries.put(new byte[] {2, 0, (byte) row, (byte) user},
                            new EntryValue(EntryKind.PUT, new byte[20]));
                }
            }
            Run run = RunFixtures.writeRun(directory, entries);
            try {
                int falsePositives = 0;
                for (int row = 1; row < 200; row += 2) {
                    long reads = cache.hits() + cache.misses();
                    assertThat(drain(run.scan(new byte[] {2, 0, (byte) row}, true))).isEmpty();
                    falsePositives += cache.hits() + cache.misses() > reads ? 1 : 0;
                }
                assertThat(falsePositives).as("missing rows that read a block").isLessThan(5);

                for (int row = 0; row < 200; row += 2) {
                    assertThat(drain(run.scan(new byte[] {2, 0, (byte) row}, true))).hasSize(10);
                    // A prefix longer than the row is under the row: still answered.
                    assertThat(drain(run.scan(new byte[] {2, 0, (byte) row, 3}, true))).hasSize(1);
                }
                // Prefixes without a complete row scan as before.
                assertThat(drain(run.scan(new byte[] {2}, false))).hasSize(1000);
                assertThat(drain(run.scan(new byte[0], false))).hasSize(1000);
            } finally {
                run.release();
            }
        }
    }

    @Test
    void runsWrittenWithoutRowsScanEveryPrefixByTheirBlocks() throws IOException {
        try (RunDirectory directory = RunDirectory.create(temp, RunFormatOptions.defaults(),
                BlockCache.disabled())) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            entries.put(new byte[] {2, 0, 4, 1}, new EntryValue(EntryKind.PUT, new byte[3]));
            Run run = RunFixtures.writeRun(directory, entries);
            try {
                assertThat(drain(run.scan(new byte[] {2, 0, 4}, false))).hasSize(1);
            } finally {
                run.release();
            }
        }
    }
}
