package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.spillway.backend.store.run.RunFixtures.assertSameEntries;
import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several threads read one run at once (point reads and scans) through a cache too small for the
 * run, so blocks are inserted and evicted concurrently: every answer must still be right.
 */
class RunConcurrentReadTest {

    @TempDir Path temp;

    @Test
    void concurrentReadersThroughASmallCacheSeeConsistentData() throws Exception {
        BlockCache cache = new BlockCache(8 * 1024, MemoryCharge.UNACCOUNTED);
        try (RunDirectory directory = RunDirectory.create(temp,
                RunFormatOptions.defaults().withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE), cache)) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            Random random = new Random(17);
            for (int k = 0; k < 5000; k++) {
                entries.put(RunFixtures.key(k), new EntryValue(EntryKind.PUT, RunFixtures.randomValue(random, 30)));
            }
            Run run = RunFixtures.writeRun(directory, entries);
            List<Map.Entry<byte[], EntryValue>> list = new ArrayList<>(entries.entrySet());
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> readers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = t;
                    readers.add(threads.submit(() -> {
                        Random own = new Random(seed);
                        for (int i = 0; i < 5000; i++) {
                            Map.Entry<byte[], EntryValue> expected = list.get(own.nextInt(list.size()));
                            EntryValue found = run.get(expected.getKey(), expected.getKey().length);
                            assertThat(found.value()).isEqualTo(expected.getValue().value());
                        }
                        assertSameEntries(entries, drain(run.scan(new byte[0], seed % 2 == 0)));
                        return null;
                    }));
                }
                for (Future<?> reader : readers) {
                    reader.get();
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(cache.sizeBytes()).isLessThanOrEqualTo(cache.capacityBytes());
            assertThat(cache.hits()).isPositive();
            run.release();
        }
    }
}
