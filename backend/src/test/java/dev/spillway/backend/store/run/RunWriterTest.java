package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunWriterTest {

    @TempDir Path temp;

    private final DiskFullOutputs outputs = new DiskFullOutputs();
    private RunDirectory directory;

    private RunDirectory directory() throws IOException {
        directory = RunDirectory.create(temp, RunFormatOptions.defaults()
                .withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE), BlockCache.disabled(), outputs);
        return directory;
    }

    @AfterEach
    void tearDown() throws IOException {
        if (directory != null) {
            directory.close();
        }
    }

    @Test
    void rejectsKeysOutOfOrderOrRepeated() throws IOException {
        try (RunWriter writer = directory().newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {5}, EntryKind.PUT, new byte[] {1});
            assertThatThrownBy(() -> writer.add(new byte[] {5}, EntryKind.PUT, new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
            assertThatThrownBy(() -> writer.add(new byte[] {4}, EntryKind.PUT, new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class);
            // Unsigned order: 0x80 sorts after 0x05.
            writer.add(new byte[] {(byte) 0x80}, EntryKind.PUT, new byte[0]);
        }
    }

    @Test
    void rejectsATombstoneWithAValue() throws IOException {
        try (RunWriter writer = directory().newWriter(10, RunWriter.Purpose.SPILL)) {
            assertThatThrownBy(() -> writer.add(new byte[] {1}, EntryKind.DELETE, new byte[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void finishedRunAppearsUnderItsFinalNameOnly() throws IOException {
        Run run;
        try (RunWriter writer = directory().newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {1}, EntryKind.PUT, new byte[] {2});
            assertThat(files()).singleElement().asString().endsWith(".run.tmp");
            run = writer.finish();
        }
        assertThat(files()).containsExactly(run.file().getFileName().toString());
        assertThat(directory.statistics().runsWritten()).isEqualTo(1);
        assertThat(directory.statistics().spilledUserBytes()).isEqualTo(2);
        run.release();
    }

    @Test
    void closingAnUnfinishedWriterDeletesItsFile() throws IOException {
        try (RunWriter writer = directory().newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {1}, EntryKind.PUT, new byte[] {2});
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void aWriterWithoutEntriesCannotFinish() throws IOException {
        try (RunWriter writer = directory().newWriter(10, RunWriter.Purpose.SPILL)) {
            assertThatThrownBy(writer::finish).isInstanceOf(IllegalStateException.class);
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void fullDiskWhileAddingLeavesNoFileAndAClearError() throws IOException {
        directory();
        outputs.failAfter(5000);
        try (RunWriter writer = directory.newWriter(1000, RunWriter.Purpose.SPILL)) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 1000; i++) {
                    writer.add(new byte[] {(byte) (i >>> 8), (byte) i}, EntryKind.PUT, new byte[20]);
                }
            }).isInstanceOf(IOException.class)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining("partial file was deleted")
                    .hasMessageContaining(directory.path().toString());
            assertThat(files()).isEmpty();
            assertThatThrownBy(() -> writer.add(new byte[] {(byte) 9, 9, 9}, EntryKind.PUT, new byte[0]))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(directory.statistics().runsWritten()).isZero();
    }

    @Test
    void fullDiskWhileFinishingLeavesNoFile() throws IOException {
        directory();
        try (RunWriter writer = directory.newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {1}, EntryKind.PUT, new byte[100]);
            outputs.failAfter(50); // the block fits, the bloom filter and index do not
            assertThatThrownBy(writer::finish).isInstanceOf(IOException.class)
                    .hasMessageContaining("No space left on device");
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void failingFsyncLeavesNoFile() throws IOException {
        directory();
        outputs.failSync();
        try (RunWriter writer = directory.newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {1}, EntryKind.PUT, new byte[100]);
            assertThatThrownBy(writer::finish).isInstanceOf(IOException.class)
                    .hasMessageContaining("Input/output error");
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void memoryEstimateCoversWhatTheWriterHolds() throws IOException {
        directory();
        try (RunWriter writer = directory.newWriter(10_000, RunWriter.Purpose.SPILL)) {
            for (int i = 0; i < 10_000; i++) {
                writer.add(new byte[] {(byte) (i >>> 8), (byte) i}, EntryKind.PUT, new byte[10]);
            }
            // The index grows with the blocks flushed; everything else is bounded up front.
            assertThat(writer.memoryBytes()).isLessThanOrEqualTo(
                    directory.writerMemory(10_000) + writer.bytesWritten() / 8);
        }
    }

    @Test
    void directoryCloseDeletesEverything() throws IOException {
        directory();
        Path path = directory.path();
        Run run;
        try (RunWriter writer = directory.newWriter(10, RunWriter.Purpose.SPILL)) {
            writer.add(new byte[] {1}, EntryKind.PUT, new byte[100]);
            run = writer.finish();
        }
        directory.close();
        assertThat(path).doesNotExist();
        run.release(); // harmless after close
        directory = null;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> files = Files.list(directory.path())) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }
}
