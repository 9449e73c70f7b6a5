package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.SpillwayMemoryException;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.run.RunOutput;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Full disks, failing compactions, corrupt runs and the life cycle of the spill directory. */
class StoreFaultTest {

    private static final int KEYS = 8_000;

    @TempDir Path spillParent;

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(
                    1 << 20, MemorySettings.defaults().withPageSize(4096).withStorageFraction(0.5));
    private final MemoryClient client = manager.newClient("faults");
    private final FullDisk disk = new FullDisk();

    @AfterEach
    void checkNoLeaks() {
        client.assertNoLeaks();
        client.close();
        manager.close();
    }

    @Test
    void aFullDiskDuringEvictionKeepsEveryEntryInMemory() throws IOException {
        try (SpillableStore store = open()) {
            writeKeys(store, 300);
            long entries = store.entriesInMemory();
            long bytes = store.bytesInMemory();

            disk.full = true;
            assertThatThrownBy(() -> store.evict(64 * 1024))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("stay in memory")
                    .hasRootCauseMessage("No space left on device");

            assertThat(store.entriesInMemory()).isEqualTo(entries);
            assertThat(store.bytesInMemory()).isEqualTo(bytes);
            assertThat(store.runCount()).isZero();
            assertThat(filesIn(spillParent)).isEmpty();
            assertKeys(store, 300);

            disk.full = false;
            assertThat(store.evict(64 * 1024)).isPositive();
            assertThat(store.runCount()).isEqualTo(1);
            assertKeys(store, 300);
        }
    }

    @Test
    void aFullDiskWhenMemoryRunsOutFailsTheWriteWithTheCause() throws IOException {
        try (SpillableStore store = open()) {
            disk.full = true;
            assertThatThrownBy(() -> writeKeys(store, KEYS))
                    .isInstanceOf(SpillwayMemoryException.class)
                    .hasRootCauseMessage("No space left on device");
            long written = countReadable(store);
            assertThat(written).isPositive();

            disk.full = false;
            writeKeys(store, KEYS);
            assertKeys(store, KEYS);
            assertThat(store.spills()).isPositive();
        }
    }

    @Test
    void aFailedCompactionKeepsTheRuns() throws IOException {
        try (SpillableStore store = open()) {
            for (int round = 0; round < 3; round++) {
                writeKeys(store, 300);
                store.evict(Long.MAX_VALUE);
            }
            long runs = store.runCount();
            assertThat(runs).isGreaterThanOrEqualTo(2);

            disk.full = true;
            assertThatThrownBy(store::compactFully)
                    .isInstanceOf(IOException.class)
                    .hasRootCauseMessage("No space left on device");
            assertThat(store.runCount()).isEqualTo(runs);
            assertThat(store.compactionFailures()).isEqualTo(1);
            assertKeys(store, 300);

            disk.full = false;
            store.compactFully();
            assertThat(store.runCount()).isEqualTo(1);
            assertKeys(store, 300);
        }
    }

    @Test
    void aCorruptRunFailsReadsWithTheFileName() throws IOException {
        try (SpillableStore store = open()) {
            writeKeys(store, 300);
            store.evict(Long.MAX_VALUE);
            assertThat(store.entriesInMemory()).isZero();
            Path run = filesIn(spillParent).get(0);
            try (FileChannel channel = FileChannel.open(run, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(new byte[256]), 64);
            }
            assertThatThrownBy(() -> readAll(store, 300))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(run.getFileName().toString());
        }
    }

    @Test
    void theSpillDirectoryIsCreatedOwnedAndDeleted() throws IOException {
        Path parent = spillParent.resolve("not-yet-there");
        SpillableStore store =
                SpillableStore.open(client, StoreSettings.defaults(parent), "lifecycle");
        writeKeys(store, 300);
        store.evict(Long.MAX_VALUE);
        try (Stream<Path> dirs = Files.list(parent)) {
            assertThat(dirs.count()).isEqualTo(1);
        }
        assertThat(filesIn(parent)).hasSize(1);
        store.close();
        try (Stream<Path> dirs = Files.list(parent)) {
            assertThat(dirs.count()).isZero();
        }
        assertThatThrownBy(() -> store.get(new byte[] {1}, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private SpillableStore open() throws IOException {
        return SpillableStore.open(
                client, StoreSettings.defaults(spillParent).withOutputs(disk), "faults");
    }

    private static void writeKeys(SpillableStore store, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            byte[] key = TestKeys.row(i % 4, 0, i, 0);
            byte[] value = ("value-" + i + "-".repeat(200)).getBytes(StandardCharsets.UTF_8);
            store.put(key, key.length, value, 0, value.length);
        }
    }

    private static void assertKeys(SpillableStore store, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            byte[] key = TestKeys.row(i % 4, 0, i, 0);
            assertThat(new String(store.get(key, key.length), StandardCharsets.UTF_8))
                    .startsWith("value-" + i + "-");
        }
    }

    private static void readAll(SpillableStore store, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            byte[] key = TestKeys.row(i % 4, 0, i, 0);
            store.get(key, key.length);
        }
    }

    private static long countReadable(SpillableStore store) throws IOException {
        try (StoreCursor cursor = store.scan(new byte[0], 0)) {
            long count = 0;
            while (cursor.next()) {
                count++;
            }
            return count;
        }
    }

    private static List<Path> filesIn(Path parent) throws IOException {
        try (Stream<Path> files = Files.walk(parent)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    /** Run files whose writes fail while {@link #full} is set, as on a full device. */
    private static final class FullDisk implements RunOutput.Factory {
        volatile boolean full;

        @Override
        public RunOutput create(Path file) throws IOException {
            RunOutput real = StoreSettings.UNSYNCED_FILES.create(file);
            return new RunOutput() {
                @Override
                public void write(ByteBuffer bytes) throws IOException {
                    if (full) {
                        throw new IOException("No space left on device");
                    }
                    real.write(bytes);
                }

                @Override
                public void sync() throws IOException {
                    real.sync();
                }

                @Override
                public void close() throws IOException {
                    real.close();
                }
            };
        }
    }
}
