package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;

/** Scans read consecutive blocks with few positional reads; short scans read little. */
class ReadAheadTest {

    @TempDir Path temp;

    @Test
    void aFullScanReadsManyBlocksPerPositionalReadAndReturnsEverything() throws IOException {
        try (RunDirectory directory = RunDirectory.create(temp, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE)
                .withCompression(BlockCompression.NONE), BlockCache.disabled())) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            Random random = new Random(7);
            for (int i = 0; i < 8000; i++) {
                entries.put(RunFixtures.key(i), new EntryValue(EntryKind.PUT,
                        RunFixtures.randomValue(random, 60)));
            }
            Run run = RunFixtures.writeRun(directory, entries);
            ReadAheadBuffers buffers = new ReadAheadBuffers(RunCursor.READ_AHEAD_BYTES);
            try (RunReader reader = RunReader.open(run.file(), BlockCache.disabled())) {
                int blocks = reader.index().blockCount();
                assertThat(blocks).isGreaterThan(250);
                TreeMap<byte[], EntryValue> scanned =
                        drain(new RunCursor(run.retain(), reader, buffers, new byte[0], null, false));
                assertThat(scanned.keySet()).containsExactlyElementsOf(entries.keySet());
                // 16 KiB, 32 KiB, then 64 KiB per read: about 1 KiB blocks / 64 per read.
                assertThat(reader.blockReads()).isLessThan(blocks / 16);
                assertThat(buffers.idleBytes())
                        .as("the closed cursor gave its read-ahead buffer back")
                        .isEqualTo(RunCursor.READ_AHEAD_BYTES);

                long before = reader.blockReads();
                byte[] first = RunFixtures.key(10);
                drain(new RunCursor(run.retain(), reader, buffers, first, null, false));
                assertThat(reader.blockReads() - before)
                        .as("a scan within one block reads one block")
                        .isEqualTo(1);
            } finally {
                run.release();
            }
        }
    }
}
