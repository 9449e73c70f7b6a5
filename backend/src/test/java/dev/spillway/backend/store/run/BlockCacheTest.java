package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.drain;
import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;

class BlockCacheTest {

    @TempDir Path temp;

    /** A pool with a fixed budget that records what is charged. */
    private static final class CountingCharge implements MemoryCharge {
        long budget;
        long charged;

        CountingCharge(long budget) {
            this.budget = budget;
        }

        @Override
        public boolean tryCharge(long bytes) {
            if (charged + bytes > budget) {
                return false;
            }
            charged += bytes;
            return true;
        }

        @Override
        public void refund(long bytes) {
            charged -= bytes;
        }
    }

    @Test
    void staysWithinCapacityAndEvictsTheLeastRecentlyUsed() {
        Block block = block(1000);
        int weight = block.weight();
        CountingCharge charge = new CountingCharge(Long.MAX_VALUE);
        BlockCache cache = new BlockCache(3L * weight, charge);

        cache.put(1, 0, block);
        cache.put(1, 1, block);
        cache.put(1, 2, block);
        assertThat(cache.get(1, 0)).isSameAs(block); // 0 is now the most recent
        cache.put(1, 3, block);

        assertThat(cache.sizeBytes()).isEqualTo(3L * weight);
        assertThat(charge.charged).isEqualTo(cache.sizeBytes());
        assertThat(cache.get(1, 1)).isNull();
        assertThat(cache.get(1, 0)).isNotNull();
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(1);
    }

    @Test
    void evictsOwnBlocksWhenThePoolRefusesAndSkipsWhenNothingHelps() {
        Block block = block(1000);
        int weight = block.weight();
        CountingCharge charge = new CountingCharge(2L * weight);
        BlockCache cache = new BlockCache(10L * weight, charge);

        cache.put(1, 0, block);
        cache.put(1, 1, block);
        cache.put(1, 2, block); // pool full: evicts block 0 to make room

        assertThat(cache.get(1, 0)).isNull();
        assertThat(cache.get(1, 2)).isNotNull();
        assertThat(charge.charged).isEqualTo(2L * weight);

        charge.budget = 0;
        cache.shrink(Long.MAX_VALUE);
        cache.put(1, 3, block); // pool gives nothing: served uncached
        assertThat(cache.sizeBytes()).isZero();
        assertThat(charge.charged).isZero();
    }

    @Test
    void shrinkFreesAtLeastWhatIsAskedAndRefundsIt() {
        Block block = block(1000);
        CountingCharge charge = new CountingCharge(Long.MAX_VALUE);
        BlockCache cache = new BlockCache(1 << 20, charge);
        for (int i = 0; i < 10; i++) {
            cache.put(1, i, block);
        }
        long freed = cache.shrink(block.weight() + 1);

        assertThat(freed).isEqualTo(2L * block.weight());
        assertThat(charge.charged).isEqualTo(8L * block.weight());
    }

    @Test
    void invalidateDropsOnlyTheGoneRunsBlocks() {
        Block block = block(100);
        BlockCache cache = new BlockCache(1 << 20, MemoryCharge.UNACCOUNTED);
        cache.put(1, 0, block);
        cache.put(2, 0, block);
        cache.invalidate(1);

        assertThat(cache.get(1, 0)).isNull();
        assertThat(cache.get(2, 0)).isSameAs(block);
        assertThat(cache.sizeBytes()).isEqualTo(block.weight());
    }

    @Test
    void oneShotScansDoNotFillTheCacheButPointReadsDo() throws IOException {
        CountingCharge charge = new CountingCharge(Long.MAX_VALUE);
        BlockCache cache = new BlockCache(1 << 20, charge);
        try (RunDirectory directory = RunDirectory.create(temp,
                RunFormatOptions.defaults().withBlockSize(RunFormatOptions.MIN_BLOCK_SIZE), cache)) {
            TreeMap<byte[], EntryValue> entries = sortedMap();
            for (int i = 0; i < 1000; i++) {
                entries.put(new byte[] {(byte) (i >>> 8), (byte) i}, new EntryValue(EntryKind.PUT, new byte[30]));
            }
            Run run = RunFixtures.writeRun(directory, entries);
            drain(run.scan(new byte[0], false));
            assertThat(cache.sizeBytes()).isZero();

            run.get(new byte[] {0, 5}, 2);
            assertThat(cache.sizeBytes()).isPositive();
            run.get(new byte[] {0, 5}, 2);
            assertThat(cache.hits()).isEqualTo(1);

            run.release(); // deleting the run drops its blocks and refunds them
            assertThat(cache.sizeBytes()).isZero();
            assertThat(charge.charged).isZero();
        }
    }

    @Test
    void blocksReadOftenAreNotDisplacedByOneShotReads() {
        Block block = block(1000);
        BlockCache cache = new BlockCache(2L * block.weight(), MemoryCharge.UNACCOUNTED);
        cache.put(1, 0, block);
        cache.put(1, 1, block);
        for (int i = 0; i < 3; i++) {
            cache.get(1, 0);
            cache.get(1, 1);
        }

        assertThat(cache.get(1, 2)).isNull(); // read once: colder than everything cached
        cache.put(1, 2, block);

        assertThat(cache.get(1, 2)).isNull();
        assertThat(cache.get(1, 0)).isSameAs(block);
        assertThat(cache.get(1, 1)).isSameAs(block);
    }

    @Test
    void onlyHotBlocksMayTakeMemoryFromState() {
        Block block = block(1000);
        long[] evictingCharges = new long[1];
        MemoryCharge noFreeMemory = new MemoryCharge() {
            @Override
            public boolean tryCharge(long bytes) {
                return false;
            }

            @Override
            public boolean tryChargeEvicting(long bytes) {
                evictingCharges[0] += bytes;
                return true;
            }

            @Override
            public void refund(long bytes) {
                evictingCharges[0] -= bytes;
            }
        };
        BlockCache cache = new BlockCache(1 << 20, noFreeMemory);

        cache.get(1, 0); // the miss that read it: once
        cache.put(1, 0, block);
        assertThat(cache.sizeBytes()).isZero();
        assertThat(evictingCharges[0]).isZero();

        for (int i = 0; i < BlockCache.HOT_READS; i++) {
            cache.get(1, 1);
        }
        cache.put(1, 1, block);
        assertThat(cache.get(1, 1)).isSameAs(block);
        assertThat(evictingCharges[0]).isEqualTo(block.weight());
    }

    @Test
    void blocksReadOnceAmongManyMoreThanTrackedDoNotTakeMemoryFromState() {
        Block block = block(1000);
        long[] evictingCharges = new long[1];
        MemoryCharge noFreeMemory = new MemoryCharge() {
            @Override
            public boolean tryCharge(long bytes) {
                return false;
            }

            @Override
            public boolean tryChargeEvicting(long bytes) {
                evictingCharges[0]++;
                return true;
            }

            @Override
            public void refund(long bytes) {}
        };
        BlockCache cache = new BlockCache(1 << 30, noFreeMemory);
        // Eight times more distinct blocks than the sketch's 16384 words, each read once.
        for (int i = 0; i < 8 * 16384; i++) {
            cache.get(2, i);
        }
        for (int i = 0; i < 200; i++) {
            cache.get(3, i);
            cache.put(3, i, block);
        }
        assertThat(evictingCharges[0]).as("blocks read once that evicted state").isLessThan(20);

        evictingCharges[0] = 0;
        for (int i = 0; i < 200; i++) {
            for (int read = 0; read < 6; read++) {
                cache.get(4, i);
            }
            cache.put(4, i, block);
        }
        assertThat(evictingCharges[0]).as("blocks read six times that evicted state")
                .isGreaterThan(180);
    }

    private static Block block(int valueBytes) {
        BlockBuilder builder = new BlockBuilder(RunFormatOptions.MIN_BLOCK_SIZE);
        builder.add(new byte[] {1}, 0, 1, EntryKind.PUT, new byte[valueBytes], 0, valueBytes);
        return Block.wrap(Arrays.copyOf(builder.finish(), builder.finishedSize()));
    }
}
