package dev.spillway.backend.store.run;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class BlockIndexTest {

    @Test
    void prefixIsTheBigEndianZeroPaddedWindowOfTheKey() {
        byte[] key = {1, 2, 3, (byte) 0xFF, 5, 6, 7, 8, 9, 10};
        assertThat(BlockIndex.prefix(key, 0, key.length, 0)).isEqualTo(0x010203FF05060708L);
        assertThat(BlockIndex.prefix(key, 0, key.length, 8)).isEqualTo(0x090A000000000000L);
        assertThat(BlockIndex.prefix(key, 1, 3, 0)).isEqualTo(0x0203FF0000000000L);
        assertThat(BlockIndex.prefix(key, 0, 3, 8)).isZero();
        assertThat(BlockIndex.prefix(key, 0, 0, 0)).isZero();
    }

    @Test
    void floorBlockAgreesWithAByteComparisonOfEveryFirstKey() {
        Random random = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            // Keys with long shared prefixes, zero bytes, and lengths around the 16-byte prefix,
            // so the search has to fall back to the bytes.
            TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);
            int count = 1 + random.nextInt(300);
            while (keys.size() < count) {
                keys.add(randomKey(random));
            }
            List<byte[]> firstKeys = new ArrayList<>(keys);
            BlockIndex.Builder builder = new BlockIndex.Builder();
            long offset = RunFormat.HEADER_SIZE;
            for (byte[] first : firstKeys) {
                builder.add(first, offset, 100);
                offset += 100;
            }
            byte[] lastKey = firstKeys.get(firstKeys.size() - 1);
            BlockIndex index = BlockIndex.readFrom(builder.serialize(lastKey), offset);
            assertThat(index).isNotNull();
            for (int probe = 0; probe < 500; probe++) {
                byte[] key = probe % 3 == 0
                        ? firstKeys.get(random.nextInt(firstKeys.size())).clone()
                        : randomKey(random);
                int expected = -1;
                for (int i = 0; i < firstKeys.size(); i++) {
                    if (Arrays.compareUnsigned(firstKeys.get(i), key) <= 0) {
                        expected = i;
                    }
                }
                // Also through an offset into a larger array, as callers pass keys.
                byte[] padded = new byte[key.length + 7];
                Arrays.fill(padded, (byte) 0x7F);
                System.arraycopy(key, 0, padded, 3, key.length);
                assertThat(index.floorBlock(key, 0, key.length)).as(Arrays.toString(key))
                        .isEqualTo(expected);
                assertThat(index.floorBlock(padded, 3, key.length)).isEqualTo(expected);
            }
        }
    }

    private static byte[] randomKey(Random random) {
        byte[] key = new byte[random.nextInt(22)];
        for (int i = 0; i < key.length; i++) {
            // Few distinct values (0, 1, 0xFF, ...) so keys share long prefixes and tie often.
            int pick = random.nextInt(4);
            key[i] = (byte) (pick == 0 ? 0 : pick == 1 ? 1 : pick == 2 ? 0xFF : random.nextInt(256));
            if (i < 12 && random.nextInt(3) > 0) {
                key[i] = 0; // a common zero prefix, like key groups and small serialized longs
            }
        }
        return key;
    }
}
