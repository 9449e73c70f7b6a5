package dev.spillway.backend.benchmarks;

import java.util.SplittableRandom;

/**
 * How a benchmark picks the key of each operation. The whole access sequence is generated before
 * measurement so that drawing keys costs the same (one array read) for every distribution.
 */
public enum KeyDistribution {
    /** Every key equally likely: the working set is the whole state. */
    UNIFORM {
        @Override
        long[] accessSequence(int keyCount, int length, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            long[] keys = new long[length];
            for (int i = 0; i < length; i++) {
                keys[i] = random.nextInt(keyCount);
            }
            return keys;
        }
    },

    /**
     * YCSB's scrambled Zipfian (theta 0.99): a small hot set takes most accesses, and hashing the
     * rank spreads the hot keys over the whole key space instead of the lowest key values.
     */
    ZIPFIAN {
        @Override
        long[] accessSequence(int keyCount, int length, long seed) {
            ZipfianGenerator ranks =
                    new ZipfianGenerator(keyCount, ZipfianGenerator.DEFAULT_THETA, seed);
            long[] keys = new long[length];
            for (int i = 0; i < length; i++) {
                keys[i] = Long.remainderUnsigned(fnv1a64(ranks.nextRank()), keyCount);
            }
            return keys;
        }
    };

    /**
     * The keys of {@code length} operations over the keys {@code 0..keyCount-1}. Deterministic for
     * a given seed, so every backend sees exactly the same sequence.
     */
    abstract long[] accessSequence(int keyCount, int length, long seed);

    /** FNV-1a over the eight bytes of {@code value}, as YCSB scrambles Zipfian ranks. */
    static long fnv1a64(long value) {
        long hash = 0xCBF29CE484222325L;
        for (int i = 0; i < Long.BYTES; i++) {
            hash ^= (value >>> (8 * i)) & 0xFF;
            hash *= 0x100000001B3L;
        }
        return hash;
    }
}
