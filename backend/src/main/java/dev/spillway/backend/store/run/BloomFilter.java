package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.KeyHash;

import java.nio.ByteBuffer;

/**
 * A cache-local ("blocked") bloom filter over the keys of one run, so a point read skips runs that
 * cannot hold the key without touching their index or blocks.
 *
 * <p><b>Sizing.</b> For {@code n} expected keys and false-positive rate {@code p} the filter has
 * {@code m = -n ln p / (ln 2)^2} bits (about 9.6 bits a key at 1%) and {@code k = (m / n) ln 2}
 * probes (7 at 1%), rounded up to whole 512-bit blocks. More keys than expected still work; the
 * false-positive rate rises.
 *
 * <p><b>Probes.</b> The upper half of the key's {@link KeyHash#hash64} picks one 512-bit block (a
 * 64-byte cache line) and all {@code k} probes fall inside it, each taking 9 bits of the lower
 * half, re-mixed by a multiplication between probes. A read that consults a dozen runs therefore
 * costs a dozen cache misses, not {@code 7 x} a dozen as with probes spread over the whole filter.
 * The price is a slightly higher false-positive rate for the same bits (about 1.1% instead of 1%
 * at 9.6 bits a key), because keys crowd unevenly into blocks.
 *
 * <p><b>Rows.</b> A run written with a {@link RowPrefix} also adds the row of every key whose row
 * is shorter than the key (MapState entries), so a scan of a row can ask the filter first. {@link
 * #hasRows()} says whether a filter was built so.
 *
 * <p><b>Serialized form</b> (inside the run's bloom section): {@code [probes u8][flags u8][words
 * u32][words as u64 big-endian...]}, flags bit 0 = rows added, the word count a multiple of
 * {@value #WORDS_PER_BLOCK}.
 */
final class BloomFilter {

    private static final int MAX_PROBES = 30;

    /** 512 bits: one cache line. */
    static final int WORDS_PER_BLOCK = 8;

    private static final int PROBE_MULTIPLIER = 0x9E3779B9;

    private static final int FLAG_ROWS = 1;

    private final long[] words;
    private final int probes;
    private final int blockCount;
    private boolean rows;

    private BloomFilter(long[] words, int probes) {
        this.words = words;
        this.probes = probes;
        this.blockCount = words.length / WORDS_PER_BLOCK;
    }

    /** Marks the filter as holding the rows of its keys too. */
    void addsRows() {
        rows = true;
    }

    /** Whether the rows of the keys were added (a scan of a row may then ask the filter). */
    boolean hasRows() {
        return rows;
    }

    /** An empty filter sized for the expected number of keys at the false-positive rate. */
    static BloomFilter forExpectedKeys(long expectedKeys, double falsePositiveRate) {
        long n = Math.max(1, expectedKeys);
        long wordCount = wordCount(n, falsePositiveRate);
        if (wordCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "Bloom filter for " + expectedKeys + " keys would exceed 16 GiB");
        }
        double bits = -n * Math.log(falsePositiveRate) / (Math.log(2) * Math.log(2));
        int k = (int) Math.round(bits / n * Math.log(2));
        return new BloomFilter(new long[(int) wordCount], Math.max(1, Math.min(MAX_PROBES, k)));
    }

    private static long wordCount(long n, double falsePositiveRate) {
        double bits = -n * Math.log(falsePositiveRate) / (Math.log(2) * Math.log(2));
        long blocks = Math.max(1, (long) Math.ceil(bits / (WORDS_PER_BLOCK * Long.SIZE)));
        return blocks * WORDS_PER_BLOCK;
    }

    /** Heap bytes of a filter sized for the expected keys, for memory accounting. */
    static long sizeInBytes(long expectedKeys, double falsePositiveRate) {
        return wordCount(Math.max(1, expectedKeys), falsePositiveRate) * Long.BYTES;
    }

    void add(byte[] key, int offset, int length) {
        add(KeyHash.hash64(key, offset, length));
    }

    void add(long hash) {
        int base = blockBase(hash);
        int h = (int) hash;
        for (int i = 0; i < probes; i++) {
            int bit = h >>> 23;
            words[base + (bit >>> 6)] |= 1L << bit;
            h *= PROBE_MULTIPLIER;
        }
    }

    boolean mightContain(byte[] key, int offset, int length) {
        return mightContain(KeyHash.hash64(key, offset, length));
    }

    /** The probe for a key whose {@link KeyHash#hash64} the caller computed once for all runs. */
    boolean mightContain(long hash) {
        int base = blockBase(hash);
        int h = (int) hash;
        for (int i = 0; i < probes; i++) {
            int bit = h >>> 23;
            if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
            h *= PROBE_MULTIPLIER;
        }
        return true;
    }

    /** First word of the key's block: the upper hash half scaled onto the blocks (no modulo). */
    private int blockBase(long hash) {
        return (int) (((hash >>> 32) * blockCount) >>> 32) * WORDS_PER_BLOCK;
    }

    int serializedSize() {
        return 2 + Integer.BYTES + words.length * Long.BYTES;
    }

    void writeTo(ByteBuffer target) {
        target.put((byte) probes);
        target.put((byte) (rows ? FLAG_ROWS : 0));
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
        if (source.remaining() < 2 + Integer.BYTES) {
            return null;
        }
        int k = source.get() & 0xFF;
        int flags = source.get() & 0xFF;
        int wordCount = source.getInt();
        if (k < 1 || k > MAX_PROBES || (flags & ~FLAG_ROWS) != 0 || wordCount < 1
                || wordCount % WORDS_PER_BLOCK != 0
                || (long) wordCount * Long.BYTES != source.remaining()) {
            return null;
        }
        long[] words = new long[wordCount];
        for (int i = 0; i < wordCount; i++) {
            words[i] = source.getLong();
        }
        BloomFilter filter = new BloomFilter(words, k);
        filter.rows = (flags & FLAG_ROWS) != 0;
        return filter;
    }

    long heapBytes() {
        return (long) words.length * Long.BYTES;
    }
}
