package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.KeyHash;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class BloomFilterTest {

    @Test
    void neverForgetsAnAddedKey() {
        BloomFilter filter = BloomFilter.forExpectedKeys(10_000, 0.01);
        Random random = new Random(1);
        byte[][] keys = new byte[10_000][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = RunFixtures.randomValue(random, 30);
            filter.add(keys[i], 0, keys[i].length);
        }
        for (byte[] key : keys) {
            assertThat(filter.mightContain(key, 0, key.length)).isTrue();
        }
    }

    @Test
    void falsePositiveRateIsNearTheTarget() {
        int n = 20_000;
        BloomFilter filter = BloomFilter.forExpectedKeys(n, 0.01);
        Set<Integer> added = new HashSet<>();
        for (int i = 0; i < n; i++) {
            byte[] key = intKey(2 * i);
            filter.add(key, 0, key.length);
            added.add(2 * i);
        }
        int probes = 200_000;
        int falsePositives = 0;
        for (int i = 0; i < probes; i++) {
            byte[] key = intKey(2 * i + 1); // odd: never added
            if (filter.mightContain(key, 0, key.length)) {
                falsePositives++;
            }
        }
        double rate = (double) falsePositives / probes;
        // Sequential keys are the hard case for a weak hash; the target is 1%.
        assertThat(rate).isBetween(0.002, 0.02);
    }

    @Test
    void serializedFilterAnswersTheSame() {
        BloomFilter filter = BloomFilter.forExpectedKeys(100, 0.01);
        for (int i = 0; i < 100; i++) {
            filter.add(intKey(i), 0, 4);
        }
        ByteBuffer buffer = ByteBuffer.allocate(filter.serializedSize());
        filter.writeTo(buffer);
        BloomFilter read = BloomFilter.readFrom(buffer.flip());

        assertThat(read).isNotNull();
        for (int i = 0; i < 1000; i++) {
            assertThat(read.mightContain(intKey(i), 0, 4)).isEqualTo(filter.mightContain(intKey(i), 0, 4));
        }
    }

    @Test
    void malformedBytesAreRejected() {
        assertThat(BloomFilter.readFrom(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1}))).isNull();
        assertThat(BloomFilter.readFrom(ByteBuffer.wrap(new byte[] {7, 0, 0, 0, 2, 1, 2, 3}))).isNull();
        // Whole 512-bit blocks only: one word short of a block is not a filter of this format.
        ByteBuffer partialBlock =
                ByteBuffer.allocate(2 + 4 + 7 * 8).put((byte) 7).put((byte) 0).putInt(7);
        assertThat(BloomFilter.readFrom(partialBlock.rewind())).isNull();
    }

    @Test
    void everyProbeOfAKeyFallsInOneCacheLine() {
        BloomFilter filter = BloomFilter.forExpectedKeys(10_000, 0.01);
        filter.add(intKey(42), 0, 4);
        ByteBuffer bytes = ByteBuffer.allocate(filter.serializedSize());
        filter.writeTo(bytes);
        bytes.flip().position(6);
        int blocksTouched = 0;
        for (int block = 0; bytes.hasRemaining(); block++) {
            boolean any = false;
            for (int word = 0; word < BloomFilter.WORDS_PER_BLOCK; word++) {
                any |= bytes.getLong() != 0;
            }
            blocksTouched += any ? 1 : 0;
        }
        assertThat(blocksTouched).isEqualTo(1);
    }

    @Test
    void oneHashServesEveryRun() {
        BloomFilter filter = BloomFilter.forExpectedKeys(1000, 0.01);
        for (int i = 0; i < 1000; i++) {
            filter.add(intKey(i), 0, 4);
        }
        for (int i = 0; i < 2000; i++) {
            byte[] key = intKey(i);
            assertThat(filter.mightContain(KeyHash.hash64(key, 0, 4)))
                    .isEqualTo(filter.mightContain(key, 0, 4));
        }
    }

    private static byte[] intKey(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }
}
