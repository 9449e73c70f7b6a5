package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Damages finished run files and checks that readers fail with an error naming the file and the
 * offset. Each test copies a good run to a separate file and opens the copy with {@link
 * RunReader#open}, the path every run takes when it is opened.
 */
class RunCorruptionTest {

    @TempDir Path temp;

    private RunDirectory directory;
    private Run run;
    private Path copy;

    @BeforeEach
    void writeGoodRun() throws IOException {
        directory = RunDirectory.create(temp.resolve("spill"),
                RunFormatOptions.defaults().withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE), BlockCache.disabled());
        TreeMap<byte[], EntryValue> entries = sortedMap();
        Random random = new Random(3);
        for (int i = 0; i < 2000; i++) {
            entries.put(new byte[] {(byte) (i >>> 8), (byte) i}, new EntryValue(EntryKind.PUT, RunFixtures.randomValue(random, 50)));
        }
        run = RunFixtures.writeRun(directory, entries);
        copy = temp.resolve("copy.run");
        Files.copy(run.file(), copy);
    }

    @AfterEach
    void tearDown() throws IOException {
        run.release();
        directory.close();
    }

    @Test
    void intactCopyReads() throws IOException {
        try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
            assertThat(reader.entryCount()).isEqualTo(2000);
        }
    }

    @Test
    void flippedByteInABlockFailsTheReadOfThatBlockWithFileAndOffset() throws IOException {
        try (RunReader good = RunReader.open(copy, BlockCache.disabled())) {
            assertThat(good.index().blockCount()).isGreaterThan(3);
        }
        long blockOffset;
        int blockNumber = 2;
        try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
            blockOffset = reader.index().offset(blockNumber);
        }
        flipByte(copy, blockOffset + 20);

        try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
            reader.block(0, false); // other blocks still read
            assertThatThrownBy(() -> reader.block(blockNumber, false))
                    .isInstanceOfSatisfying(CorruptRunException.class, e -> {
                        assertThat(e.file()).isEqualTo(copy);
                        assertThat(e.offset()).isEqualTo(blockOffset);
                    })
                    .hasMessageContaining(copy.toString())
                    .hasMessageContaining("offset " + blockOffset)
                    .hasMessageContaining("checksum mismatch")
                    .hasMessageContaining("restarting the job from its last checkpoint");
        }
    }

    @Test
    void flippedByteIsFoundByAFullScan() throws IOException {
        flipByte(copy, RunFormat.HEADER_SIZE + 100);
        try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < reader.index().blockCount(); i++) {
                    reader.block(i, false);
                }
            }).isInstanceOf(CorruptRunException.class).hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void flippedByteInTheIndexFailsTheOpen() throws IOException {
        long size = Files.size(copy);
        flipByte(copy, size - RunFormat.FOOTER_SIZE - 10);
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOf(CorruptRunException.class)
                .hasMessageContaining(copy.toString())
                .hasMessageContaining("section checksum mismatch");
    }

    @Test
    void flippedByteInTheFooterFailsTheOpen() throws IOException {
        long size = Files.size(copy);
        flipByte(copy, size - RunFormat.FOOTER_SIZE + 3);
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOfSatisfying(CorruptRunException.class,
                        e -> assertThat(e.offset()).isEqualTo(size - RunFormat.FOOTER_SIZE))
                .hasMessageContaining("footer checksum mismatch");
    }

    @Test
    void truncatedFileIsReportedAsTruncated() throws IOException {
        long size = Files.size(copy);
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            channel.truncate(size / 2);
        }
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOfSatisfying(CorruptRunException.class,
                        e -> assertThat(e.offset()).isEqualTo(size / 2 - Long.BYTES))
                .hasMessageContaining(copy.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void fileShorterThanHeaderAndFooterIsTruncated() throws IOException {
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            channel.truncate(RunFormat.HEADER_SIZE + 3);
        }
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOf(CorruptRunException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void wrongMagicIsNotARunFile() throws IOException {
        flipByte(copy, 0);
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOfSatisfying(CorruptRunException.class, e -> assertThat(e.offset()).isZero())
                .hasMessageContaining("not a Spillway run file");
    }

    @Test
    void unknownVersionIsRejectedWithBothVersions() throws IOException {
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(0, 99), Long.BYTES);
        }
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOfSatisfying(CorruptRunException.class, e -> assertThat(e.offset()).isEqualTo(Long.BYTES))
                .hasMessageContaining("unsupported run format version 99")
                .hasMessageContaining("reads version " + RunFormat.VERSION);
    }

    @Test
    void corruptBlockFailsAScanThroughTheRun() throws IOException {
        flipByte(run.file(), RunFormat.HEADER_SIZE + 30);
        assertThatThrownBy(() -> drain(run.scan(new byte[0], false)))
                .isInstanceOf(CorruptRunException.class)
                .hasMessageContaining(run.file().toString());
    }

    @Test
    void everyFlippedByteAnywhereInTheFileIsDetected() throws IOException {
        // Every byte is covered by the magic, a version check or a CRC, so no flip may go unnoticed
        // or surface as anything but a CorruptRunException.
        byte[] good = Files.readAllBytes(copy);
        Random random = new Random(99);
        for (int trial = 0; trial < 200; trial++) {
            int position = random.nextInt(good.length);
            byte[] damaged = good.clone();
            damaged[position] ^= (byte) (1 + random.nextInt(255));
            Files.write(copy, damaged);
            assertThatThrownBy(() -> {
                try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
                    for (int i = 0; i < reader.index().blockCount(); i++) {
                        reader.block(i, false);
                    }
                }
            }).as("flip at offset %d of %d", position, good.length)
                    .isInstanceOf(CorruptRunException.class);
        }
    }

    @Test
    void truncationAtAnyLengthIsDetectedAtOpen() throws IOException {
        byte[] good = Files.readAllBytes(copy);
        Random random = new Random(98);
        for (int trial = 0; trial < 50; trial++) {
            int length = random.nextInt(good.length);
            Files.write(copy, Arrays.copyOf(good, length));
            assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()).close())
                    .as("truncated to %d of %d bytes", length, good.length)
                    .isInstanceOf(CorruptRunException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void olderFormatVersionIsRefusedNamingBothVersionsAndTheWayOut() throws IOException {
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(RunFormat.VERSION - 1).flip(), Long.BYTES);
        }
        assertThatThrownBy(() -> RunReader.open(copy, BlockCache.disabled()))
                .isInstanceOfSatisfying(CorruptRunException.class,
                        e -> assertThat(e.offset()).isEqualTo(Long.BYTES))
                .hasMessageContaining("version " + (RunFormat.VERSION - 1))
                .hasMessageContaining("written by an older Spillway")
                .hasMessageContaining("reads version " + RunFormat.VERSION)
                .hasMessageContaining("never outlives its backend")
                .hasMessageContaining("canonical savepoint");
    }

    @Test
    void damageBehindAValidChecksumFailsAnUncachedPointReadAndAScan() throws IOException {
        Path plain = temp.resolve("plain");
        try (RunDirectory none = RunDirectory.create(plain, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE)
                .withCompression(BlockCompression.NONE), BlockCache.disabled())) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            for (int i = 0; i < 500; i++) {
                entries.put(new byte[] {(byte) (i >>> 8), (byte) i},
                        new EntryValue(EntryKind.PUT, new byte[40]));
            }
            Run written = RunFixtures.writeRun(none, entries);
            Path damaged = temp.resolve("damaged.run");
            Files.copy(written.file(), damaged);
            written.release();

            long offset;
            int length;
            byte[] firstKey;
            try (RunReader reader = RunReader.open(damaged, BlockCache.disabled())) {
                offset = reader.index().offset(2);
                length = reader.index().length(2);
                firstKey = reader.block(2, false).key(0);
            }
            // The kind byte of the block's first entry (after codec, raw length, two 1-byte
            // varints) becomes 0, and the CRC is recomputed: only the entry checks can notice.
            ByteBuffer framed = ByteBuffer.allocate(length);
            try (FileChannel channel = FileChannel.open(damaged, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                channel.read(framed, offset);
                framed.put(RunFormat.BLOCK_HEADER_SIZE + 2, (byte) 0);
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(framed.array(), 0, length - RunFormat.CHECKSUM_SIZE);
                framed.putInt(length - RunFormat.CHECKSUM_SIZE, (int) crc.getValue());
                channel.write(framed.rewind(), offset);
            }

            try (RunReader reader = RunReader.open(damaged, BlockCache.disabled())) {
                assertThatThrownBy(() -> reader.get(firstKey, firstKey.length))
                        .isInstanceOfSatisfying(CorruptRunException.class,
                                e -> assertThat(e.offset()).isEqualTo(offset))
                        .hasMessageContaining("block entries do not decode");
                assertThat(reader.get(new byte[] {0, 1}, 2)).isNotNull(); // block 0 is intact
            }
            try (RunReader reader = RunReader.open(damaged, new BlockCache(1 << 20,
                    MemoryCharge.UNACCOUNTED))) {
                assertThatThrownBy(() -> reader.get(firstKey, firstKey.length))
                        .isInstanceOf(CorruptRunException.class)
                        .hasMessageContaining("block entries do not decode");
            }
        }
    }

    @Test
    void readAheadScanFindsAFlippedByteInAnyLaterBlock() throws IOException {
        long blockOffset;
        try (RunReader reader = RunReader.open(copy, BlockCache.disabled())) {
            int last = reader.index().blockCount() - 1;
            assertThat(reader.index().offset(last) - reader.index().offset(1))
                    .as("the scan reads the damaged block ahead, with others")
                    .isGreaterThan(RunCursor.FIRST_READ_AHEAD_BYTES);
            blockOffset = reader.index().offset(last - 1);
        }
        flipByte(run.file(), blockOffset + 7);
        assertThatThrownBy(() -> drain(run.scan(new byte[0], false)))
                .isInstanceOfSatisfying(CorruptRunException.class,
                        e -> assertThat(e.offset()).isEqualTo(blockOffset))
                .hasMessageContaining("checksum mismatch");
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, offset);
        }
    }
}
