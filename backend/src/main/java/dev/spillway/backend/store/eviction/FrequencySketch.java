package dev.spillway.backend.store.eviction;

import java.util.Arrays;

/**
 * An approximate, aging access counter for key hashes: the "TinyLFU" frequency filter that decides
 * whether an entry read back from disk is worth a place in memory, and which in-memory entries are
 * cold.
 *
 * <h2>Layout</h2>
 *
 * <p>A count-min sketch of 4-bit saturating counters packed sixteen to a {@code long}. The table
 * has a power-of-two number of longs, about one per tracked entry. Instead of four separate rows
 * (four cache misses), all four counters of one key live in the <em>same</em> long: the key picks a
 * long, then four distinct 4-bit lanes inside it (one lane per "row", taken from different bits of
 * a re-mixed hash). The estimate is the
 * minimum of the four counters, as in any count-min sketch; sharing one word trades a little
 * accuracy for one cache line per access, which matters because {@link #increment} runs on every
 * state access of the task thread.
 *
 * <h2>Aging</h2>
 *
 * <p>After {@code 10 × width} increments every counter is halved (a shift and mask per long), so the
 * sketch reflects recent popularity: a key that was hot an hour ago and untouched since decays to
 * zero. Counters saturate at 15, which is plenty to tell hot from cold.
 *
 * <p>Not thread-safe: the owning store calls it under its lock.
 */
public final class FrequencySketch {

    private static final long LOW_BITS_OF_EACH_NIBBLE = 0x7777_7777_7777_7777L;
    private static final int MAX_COUNT = 15;

    private final long[] table;
    private final int tableMask;
    private final int sampleSize;
    private int additions;

    /** Creates a sketch sized for about {@code expectedEntries} distinct keys. */
    public FrequencySketch(int expectedEntries) {
        int width = Integer.highestOneBit(Math.max(16, Math.min(expectedEntries, 1 << 26)) - 1) << 1;
        this.table = new long[width];
        this.tableMask = width - 1;
        this.sampleSize = 10 * width;
    }

    /** The estimated number of recent accesses of the key hash, in 0..15. */
    public int frequency(int keyHash) {
        int spread = rehash(keyHash);
        long word = table[spread & tableMask];
        int min = MAX_COUNT;
        for (int row = 0; row < 4; row++) {
            min = Math.min(min, (int) (word >>> lane(spread, row)) & 0xF);
        }
        return min;
    }

    /**
     * The count an untouched key's counter holds on average from the other keys that share it:
     * recent increments over all counters ({@code 4 × width}, each increment adds to one counter
     * of each of the four rows), rounded down. Once many more distinct keys are counted than the
     * sketch was sized for, every estimate carries this much noise; an absolute threshold on
     * {@link #frequency} has to be raised by it to still tell a repeated key from a one-off.
     */
    public int averageCount() {
        return additions / (4 * table.length);
    }

    /** Records one access of the key hash. */
    public void increment(int keyHash) {
        int spread = rehash(keyHash);
        int index = spread & tableMask;
        long word = table[index];
        boolean added = false;
        for (int row = 0; row < 4; row++) {
            int shift = lane(spread, row);
            if (((word >>> shift) & 0xF) != MAX_COUNT) {
                word += 1L << shift;
                added = true;
            }
        }
        table[index] = word;
        if (added && ++additions == sampleSize) {
            halveAll();
        }
    }

    /** Forgets everything (used when the store is cleared). */
    public void clear() {
        Arrays.fill(table, 0L);
        additions = 0;
    }

    private void halveAll() {
        for (int i = 0; i < table.length; i++) {
            table[i] = (table[i] >>> 1) & LOW_BITS_OF_EACH_NIBBLE;
        }
        additions = sampleSize / 2;
    }

    /**
     * Bit offset of the row's counter inside the word: four distinct lanes out of sixteen, one from
     * each quarter of the word, chosen by bits of the hash the table index did not use.
     */
    private static int lane(int spread, int row) {
        int laneInQuarter = (spread >>> (24 + 2 * row)) & 3;
        return (row * 4 + laneInQuarter) << 2;
    }

    /** A second mix so that the index bits and the lane bits are independent of the caller's hash. */
    private static int rehash(int hash) {
        int x = hash * 0x31848bab;
        x ^= x >>> 14;
        x *= 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
