package dev.spillway.backend.state;

import org.apache.flink.runtime.state.KeyValueStateIterator;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrefetchingStateIteratorTest {

    @Test
    void replaysEveryEntryWithItsFlagsAcrossBatchBoundaries() throws Exception {
        for (int entries : new int[] {0, 1, PrefetchingStateIterator.BATCH_ENTRIES,
                PrefetchingStateIterator.BATCH_ENTRIES + 1, 5 * PrefetchingStateIterator.BATCH_ENTRIES + 7}) {
            Counting source = new Counting(entries, -1);
            List<String> seen = new ArrayList<>();
            try (PrefetchingStateIterator prefetching =
                    new PrefetchingStateIterator(() -> source, "test-scan")) {
                while (prefetching.isValid()) {
                    seen.add(describe(prefetching));
                    prefetching.next();
                }
            }
            assertThat(seen).as("%s entries", entries).isEqualTo(Counting.expected(entries));
            assertThat(source.closedOn.get()).isEqualTo("test-scan");
        }
    }

    @Test
    void theScanIsOpenedAndReadOnTheProducerThread() throws Exception {
        AtomicReference<String> openedOn = new AtomicReference<>();
        try (PrefetchingStateIterator prefetching =
                new PrefetchingStateIterator(
                        () -> {
                            openedOn.set(Thread.currentThread().getName());
                            return new Counting(3, -1);
                        },
                        "producer")) {
            assertThat(prefetching.isValid()).isTrue();
        }
        assertThat(openedOn.get()).isEqualTo("producer");
    }

    @Test
    void aFailureOfTheScanReachesTheWriter() throws Exception {
        Counting source = new Counting(10_000, 3_000);
        PrefetchingStateIterator prefetching = new PrefetchingStateIterator(() -> source, "failing");
        assertThatThrownBy(
                        () -> {
                            while (prefetching.isValid()) {
                                prefetching.next();
                            }
                        })
                .isInstanceOf(IOException.class)
                .hasMessage("disk gone at 3000");
        prefetching.close();
        assertThat(source.closedOn.get()).isNotNull();
    }

    @Test
    void aFailureToOpenIsThrownByTheConstructor() {
        assertThatThrownBy(
                        () ->
                                new PrefetchingStateIterator(
                                        () -> {
                                            throw new IOException("cannot open");
                                        },
                                        "opening"))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot open");
    }

    @Test
    void closingEarlyStopsTheProducerAndClosesTheScan() throws Exception {
        Counting source = new Counting(1_000_000, -1);
        PrefetchingStateIterator prefetching = new PrefetchingStateIterator(() -> source, "early");
        prefetching.next();
        prefetching.close();
        assertThat(source.closedOn.get()).as("closed before close() returned").isEqualTo("early");
        assertThat(source.position)
                .as("the producer stopped a few batches ahead")
                .isLessThanOrEqualTo(
                        (PrefetchingStateIterator.BATCHES + 2) * PrefetchingStateIterator.BATCH_ENTRIES);
    }

    @Test
    void anInterruptedWriterGetsAnInterruptedIoExceptionAndKeepsTheInterrupt() {
        Counting source = new Counting(10, -1);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> new PrefetchingStateIterator(() -> source, "reader"))
                    .isInstanceOf(java.io.InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(source.closedOn.get()).as("the producer ran to its end, uninterrupted").isEqualTo("reader");
    }

    private static String describe(KeyValueStateIterator iterator) {
        return iterator.keyGroup() + "/" + iterator.kvStateId() + "/" + new String(iterator.key())
                + "=" + new String(iterator.value()) + (iterator.isNewKeyGroup() ? " G" : "")
                + (iterator.isNewKeyValueState() ? " S" : "");
    }

    /** Entries {@code 0..n-1}: key group i/100, state (i/10)%3, flags where they change. */
    private static class Counting implements KeyValueStateIterator {
        final int entries;
        final int failAt;
        volatile int position;
        final AtomicReference<String> closedOn = new AtomicReference<>();

        Counting(int entries, int failAt) {
            this.entries = entries;
            this.failAt = failAt;
        }

        static List<String> expected(int entries) {
            List<String> all = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                all.add(line(i));
            }
            return all;
        }

        private static String line(int i) {
            boolean newGroup = i == 0 || i / 100 != (i - 1) / 100;
            boolean newState = newGroup || (i / 10) % 3 != ((i - 1) / 10) % 3;
            return (i / 100) + "/" + (i / 10) % 3 + "/k" + i + "=v" + i + (newGroup ? " G" : "")
                    + (newState ? " S" : "");
        }

        @Override
        public void next() throws IOException {
            position++;
            if (position == failAt) {
                throw new IOException("disk gone at " + failAt);
            }
        }

        @Override
        public int keyGroup() {
            return position / 100;
        }

        @Override
        public byte[] key() {
            return ("k" + position).getBytes();
        }

        @Override
        public byte[] value() {
            return ("v" + position).getBytes();
        }

        @Override
        public int kvStateId() {
            return (position / 10) % 3;
        }

        @Override
        public boolean isNewKeyValueState() {
            return line(position).endsWith(" S");
        }

        @Override
        public boolean isNewKeyGroup() {
            return line(position).contains(" G");
        }

        @Override
        public boolean isValid() {
            return position < entries;
        }

        @Override
        public void close() {
            closedOn.set(Thread.currentThread().getName());
        }
    }
}
