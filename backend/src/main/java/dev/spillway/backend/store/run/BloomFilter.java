package dev.spillway.backend.store.run;

import java.nio.ByteBuffer;

/**
 * A classic bloom filter over the keys of one run, so a point read skips runs that cannot hold
 * the key without touching their index or blocks.
 *
 * <p><b>Sizing.</b> For {@code n} expected keys and false-positive rate {@code p} the filter has
 * {@code m = -n ln p / (ln 2)^2} bits (about 9.6 bits a key at 1%) and {@code k = (m / n) ln 2}
 * probes (7 at 1%), rounded up to whole 64-bit words. More keys than expected still work; the
 * false-positive rate rises.
 *
 * <p><b>Probes.</b> Kirsch–Mitzenmacher double hashing: probe {@code i} tests bit {@code (h1 + i *
 * h2) mod m} where {@code h1, h2} are the halves of one {@link KeyHash}, so one hash pass serves
 * all {@code k} probes with the same asymptotic false-positive rate as {@code k} independent hashes.
 *
 * <p><b>Serialized form</b> (inside the run's bloom section): {@code [probes u8][words u32][words
 * as u64 big-endian...]}.
 */
final class BloomFilter {

    private static final int MAX_PROBES = 30;

    private final long[] words;
    private final int probes;
    private final long bitCount;

    private BloomFilter(long[] words, int probes) {
        this.words = words;
        this.probes = probes;
        this.bitCount = (long) words.length * Long.SIZE;
    }

    /** An empty filter sized for the expected number of keys at the false-positive rate. */
    static BloomFilter forExpectedKeys(long expectedKeys, double falsePositiveRate) {
        long n = Math.max(1, expectedKeys);
        double bits = -n * Math.log(falsePositiveRate) / (Math.log(2) * Math.log(2));
        long wordCount = Math.max(1, (long) Math.ceil(bits / Long.SIZE));
        if (wordCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "Bloom filter for " + expectedKeys + " keys would exceed 16 GiB");
        }
        int k = (int) Math.round((double) wordCount * Long.SIZE / n * Math.log(2));
        return new BloomFilter(new long[(int) wordCount], Math.max(1, Math.min(MAX_PROBES, k)));
    }

    /** Heap bytes of a filter sized for the expected keys, for memory accounting. */
    static long sizeInBytes(long expectedKeys, double falsePositiveRate) {
        long n = Math.max(1, expectedKeys);
        double bits = -n * Math.log(falsePositiveRate) / (Math.log(2) * Math.log(2));
        return Math.max(1, (long) Math.ceil(bits / Long.SIZE)) * Long.BYTES;
    }

    void add(byte[] key, int offset, int length) {
        long hash = KeyHash.hash64(key, offset, length);
        long h1 = hash;
        long h2 = (hash >>> 32) | 1L;
        for (int i = 0; i < probes; i++) {
            long bit = Long.remainderUnsigned(h1 + i * h2, bitCount);
            words[(int) (bit >>> 6)] |= 1L << bit;
        }
    }

    boolean mightContain(byte[] key, int offset, int length) {
        long hash = KeyHash.hash64(key, offset, length);
        long h1 = hash;
        long h2 = (hash >>> 32) | 1L;
        for (int i = 0; i < probes; i++) {
            long bit = Long.remainderUnsigned(h1 + i * h2, bitCount);
            if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    int serializedSize() {
        return 1 + Integer.BYTES + words.length * Long.BYTES;
    }

    void writeTo(ByteBuffer target) {
        target.put((byte) probes);
        target.putInt(words.length);
        for (long word : words) {
            target.putLong(word);
        }
    }

    /**
     * Reads a filter written by {@link #writeTo}; returns {@code null} when the bytes do not
     * describe one (the caller reports the corruption with the file and offset).
     */
    static BloomFilter readFrom(ByteBuffer source) {
        if (source.remaining() < 1 + Integer.BYTES) {
            return null;
        }
        int k = source.get() & 0xFF;
        int wordCount = source.getInt();
        if (k < 1 || k > MAX_PROBES || wordCount < 1
                || (long) wordCount * Long.BYTES != source.remaining()) {
            return null;
        }
        long[] words = new long[wordCount];
        for (int i = 0; i < wordCount; i++) {
            words[i] = source.getLong();
        }
        return new BloomFilter(words, k);
    }

    long heapBytes() {
        return (long) words.length * Long.BYTES;
    }
}
