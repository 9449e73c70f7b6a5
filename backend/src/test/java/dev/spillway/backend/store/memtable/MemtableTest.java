package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryConsumer;
import dev.spillway.backend.memory.MemorySettings;
import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PoolKind;
import dev.spillway.backend.memory.UnifiedMemoryManager;
import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemtableTest {

    private final UnifiedMemoryManager manager =
            new UnifiedMemoryManager(4 << 20, MemorySettings.defaults().withPageSize(4096));
    private final MemoryClient client = manager.newClient("memtable-test");
    private final PagesConsumer consumer = new PagesConsumer(client);
    private final Memtable memtable = new Memtable(consumer, 4096);

    @AfterEach
    void freeEverything() {
        memtable.clear();
        client.assertNoLeaks();
        consumer.close();
        client.close();
        manager.close();
    }

    @Test
    void putReplacesAndRemoveForgets() {
        byte[] key = row(1, "a");
        put(key, "one");
        put(key, "two");
        assertThat(valueOf(key)).isEqualTo("two");
        assertThat(memtable.entryCount()).isEqualTo(1);
        memtable.remove(memtable.find(key, key.length));
        assertThat(memtable.find(key, key.length)).isEqualTo(Memtable.NO_ENTRY);
        assertThat(memtable.liveRecordBytes()).isZero();
    }

    @Test
    void appendJoinsInPlaceOfTheOldValueAndTurnsDeletesIntoPuts() {
        byte[] key = row(1, "list");
        append(key, "a", EntryKind.APPEND);
        assertThat(memtable.kind(memtable.find(key, key.length))).isEqualTo(EntryKind.APPEND);
        append(key, "b", EntryKind.APPEND);
        assertThat(valueOf(key)).isEqualTo("a,b");
        assertThat(memtable.kind(memtable.find(key, key.length))).isEqualTo(EntryKind.APPEND);

        memtable.put(EntryKind.DELETE, key, key.length, new byte[0], 0, 0, false);
        append(key, "c", EntryKind.APPEND);
        assertThat(memtable.kind(memtable.find(key, key.length))).isEqualTo(EntryKind.PUT);
        assertThat(valueOf(key)).isEqualTo("c");
    }

    @Test
    void rowPrefixPinsExactlyTheRowInKeyOrder() {
        byte[] rowA = row(7, "a");
        byte[] rowB = row(7, "b");
        for (String userKey : new String[] {"z", "m", "a"}) {
            put(concat(rowA, userKey), "A" + userKey);
            put(concat(rowB, userKey), "B" + userKey);
        }
        memtable.remove(memtable.find(concat(rowA, "m"), rowA.length + 1));

        PinnedRecords pinned = memtable.pin(rowA, rowA.length);
        assertThat(pinned.size()).isEqualTo(2);
        assertThat(valuesOf(pinned.cursor(rowA, rowA.length))).containsExactly("Aa", "Az");
        memtable.unpin(pinned);
    }

    @Test
    void cleaningMovesLiveRecordsAndReturnsGarbagePages() {
        byte[][] keys = new byte[200][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = row(i, "k");
            put(keys[i], "value-" + i + "-".repeat(40));
        }
        // Rewrite every key many times: most page bytes become garbage, spread over all pages.
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < keys.length; i += 2) {
                put(keys[i], "round-" + round + "-" + i + "-".repeat(40));
            }
        }
        assertThat(memtable.pageBytes()).isLessThan(3 * memtable.liveRecordBytes() + 3 * 4096);
        for (int i = 0; i < keys.length; i++) {
            String expected = i % 2 == 0 ? "round-19-" + i : "value-" + i;
            assertThat(valueOf(keys[i])).startsWith(expected + "-");
        }
    }

    @Test
    void pinnedRecordsSortInUnsignedKeyOrderWhateverTheirPrefixes() {
        // Keys shorter than the eight-byte sort prefix, keys sharing it, and high bytes that a
        // signed comparison would put first.
        Random random = new Random(42);
        TreeSet<byte[]> expected = new TreeSet<>(Arrays::compareUnsigned);
        for (int i = 0; i < 3_000; i++) {
            byte[] key = new byte[1 + random.nextInt(random.nextBoolean() ? 7 : 20)];
            for (int b = 0; b < key.length; b++) {
                key[b] = (byte) (b < 6 && random.nextInt(4) > 0 ? 0x80 : random.nextInt(4) * 0x55);
            }
            if (expected.add(key)) {
                memtable.put(EntryKind.PUT, key, key.length, key, 0, key.length, false);
            }
        }
        PinnedRecords pinned = memtable.pin(new byte[0], 0);
        MemtableCursor cursor = pinned.cursor(new byte[0], 0);
        List<byte[]> sorted = new ArrayList<>();
        while (cursor.next()) {
            sorted.add(cursor.key());
        }
        memtable.unpin(pinned);
        assertThat(sorted).containsExactlyElementsOf(expected);
    }

    @Test
    void pinnedPagesOutliveTheirRecords() {
        byte[] key = row(3, "pinned");
        put(key, "frozen");
        PinnedRecords pinned = memtable.pin(new byte[0], 0);
        long pagesBefore = memtable.pageBytes();
        for (int i = 0; i < 500; i++) {
            put(key, "newer-" + i + "-".repeat(60));
        }
        assertThat(valueOf(key)).startsWith("newer-499");
        assertThat(valuesOf(pinned.cursor(new byte[0], 0))).containsExactly("frozen");
        assertThat(memtable.pageBytes()).isGreaterThanOrEqualTo(pagesBefore);
        memtable.unpin(pinned);
    }

    @Test
    void recordsLargerThanAPageGetTheirOwnPage() {
        byte[] key = row(1, "big");
        String big = "x".repeat(10_000);
        put(key, big);
        append(key, "y", EntryKind.PUT);
        assertThat(valueOf(key)).isEqualTo(big + ",y");
        memtable.remove(memtable.find(key, key.length));
        assertThat(memtable.pageBytes()).isLessThanOrEqualTo(4096);
    }

    @Test
    void rowChainsCostMemoryOnlyOnceAKeyLiesBelowItsRowAndSurviveRandomRemovals() {
        for (int key = 0; key < 100; key++) {
            put(row(key, "v"), "value");
        }
        long withoutChains = memtable.indexBytes();
        put(concat(row(1, "m"), "a"), "first map entry");
        assertThat(memtable.indexBytes()).isGreaterThan(withoutChains);

        // Chained entries are unlinked by hashing and parsing their stored keys again.
        Random random = new Random(5);
        TreeSet<String> expected = new TreeSet<>(List.of("a"));
        byte[] mapRow = row(1, "m");
        for (int step = 0; step < 2_000; step++) {
            String userKey = String.valueOf((char) ('a' + random.nextInt(20)));
            byte[] key = concat(mapRow, userKey);
            if (random.nextBoolean()) {
                put(key, userKey);
                expected.add(userKey);
            } else if (expected.remove(userKey)) {
                memtable.remove(memtable.find(key, key.length));
            }
            if (step % 100 == 0) {
                PinnedRecords pinned = memtable.pin(mapRow, mapRow.length);
                assertThat(pinned.size()).isEqualTo(expected.size());
                memtable.unpin(pinned);
            }
        }
        for (int key = 0; key < 100; key++) {
            assertThat(valueOf(row(key, "v"))).isEqualTo("value");
        }
    }

    @Test
    void valueViewReadsTheRecordAsTheBytesItHolds() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeBoolean(true);
        out.writeShort(-2);
        out.writeChar('\u20ac');
        out.writeInt(0x01020304);
        out.writeLong(-5L);
        out.writeFloat(1.5f);
        out.writeDouble(-2.25);
        out.writeUTF("gr\u00fc\u00dfe");
        out.write(new byte[] {7, 8, 9});
        byte[] key = row(3, "view");
        byte[] value = out.getCopyOfBuffer();
        put(key, "older");
        memtable.put(EntryKind.PUT, key, key.length, value, 0, value.length, false);

        int entry = memtable.find(key, key.length);
        assertThat(memtable.valueLength(entry)).isEqualTo(value.length);
        DataInputView in = memtable.valueView(entry);
        assertThat(in.readBoolean()).isTrue();
        assertThat(in.readShort()).isEqualTo((short) -2);
        assertThat(in.readChar()).isEqualTo('\u20ac');
        assertThat(in.readInt()).isEqualTo(0x01020304);
        assertThat(in.readLong()).isEqualTo(-5L);
        assertThat(in.readFloat()).isEqualTo(1.5f);
        assertThat(in.readDouble()).isEqualTo(-2.25);
        assertThat(in.readUTF()).isEqualTo("gr\u00fc\u00dfe");
        byte[] tail = new byte[4];
        assertThat(in.read(tail)).isEqualTo(3);
        assertThat(tail).startsWith(7, 8, 9);
        assertThatThrownBy(in::readByte).isInstanceOf(EOFException.class);
        assertThat(in.read(tail)).isEqualTo(-1);
    }

    /**
     * Once a snapshot's records are clean, the cold pages written before it are offered for an
     * eviction that writes nothing; pages written since, and hot pages, are not (heat still
     * decides between hot and cold), nor is anything before the snapshot's run joined the store.
     */
    @Test
    void coldPagesWrittenBeforeACleanSnapshotAreOfferedAsSettled() {
        String value = "v".repeat(200);
        for (int i = 0; i < 60; i++) {
            put(row(i, "old"), value);
        }
        PinnedRecords pinned = memtable.pinDirty();
        assertThat(memtable.nextSettledVictimPage()).as("before the run joined").isEqualTo(-1);
        memtable.markClean(pinned);
        memtable.unpin(pinned);
        for (int i = 0; i < 60; i++) {
            put(row(1000 + i, "new"), value);
        }

        int settled = 0;
        for (int page = memtable.nextSettledVictimPage();
                page >= 0;
                page = memtable.nextSettledVictimPage()) {
            EvictionBatch batch = new EvictionBatch();
            memtable.collectLive(page, batch);
            assertThat(batch.size()).as("dirty records on settled page " + page).isZero();
            assertThat(batch.cleanSize()).isPositive();
            settled++;
        }
        memtable.endEviction();
        // 60 records of ~230 bytes fill three 4 KiB pages and start a fourth, the head, which
        // the later writes continued: that one is not settled.
        assertThat(settled).isEqualTo(3);

        for (int i = 0; i < 60; i++) {
            memtable.touch(memtable.find(row(i, "old"), row(i, "old").length));
        }
        assertThat(memtable.nextSettledVictimPage()).as("hot settled pages").isEqualTo(-1);
        memtable.endEviction();
    }

    private void put(byte[] key, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        memtable.put(EntryKind.PUT, key, key.length, bytes, 0, bytes.length, false);
    }

    private void append(byte[] key, String element, EntryKind kindWhenAbsent) {
        byte[] bytes = element.getBytes(StandardCharsets.UTF_8);
        memtable.append(key, key.length, (byte) ',', bytes, 0, bytes.length, kindWhenAbsent);
    }

    private String valueOf(byte[] key) {
        return new String(memtable.value(memtable.find(key, key.length)), StandardCharsets.UTF_8);
    }

    private static List<String> valuesOf(MemtableCursor cursor) {
        List<String> values = new ArrayList<>();
        while (cursor.next()) {
            values.add(new String(cursor.value(), StandardCharsets.UTF_8));
        }
        return values;
    }

    static byte[] row(int key, String namespace) {
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] row = new byte[CompositeKey.STATE_PREFIX_BYTES + 1 + 4 + 1 + ns.length];
        CompositeKey.writeStatePrefix(row, 0, 1);
        int offset = CompositeKey.writeVarInt(row, CompositeKey.STATE_PREFIX_BYTES, 4);
        row[offset++] = (byte) (key >>> 24);
        row[offset++] = (byte) (key >>> 16);
        row[offset++] = (byte) (key >>> 8);
        row[offset++] = (byte) key;
        offset = CompositeKey.writeVarInt(row, offset, ns.length);
        System.arraycopy(ns, 0, row, offset, ns.length);
        return row;
    }

    private static byte[] concat(byte[] row, String userKey) {
        byte[] suffix = userKey.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[row.length + suffix.length];
        System.arraycopy(row, 0, key, 0, row.length);
        System.arraycopy(suffix, 0, key, row.length, suffix.length);
        return key;
    }

    /** A storage consumer that only hands out pages; these tests never spill. */
    private static final class PagesConsumer extends MemoryConsumer implements PageAllocator {
        PagesConsumer(MemoryClient client) {
            super(client, PoolKind.STORAGE, "pages");
        }

        @Override
        public Page allocate(int minBytes) {
            return minBytes <= client().pageSize() ? allocatePage() : allocatePage(minBytes);
        }

        @Override
        public void free(Page page) {
            freePage(page);
        }

        /** These tests check page accounting only; the store tests cover the index charge. */
        @Override
        public void makeRoomForIndex(long growthBytes) {}

        @Override
        public void reserveIndex(long totalBytes) {}

        @Override
        public long spill(long bytes, MemoryConsumer trigger) {
            return 0;
        }
    }
}
