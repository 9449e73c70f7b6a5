package dev.spillway.backend.store.eviction;

/**
 * Decides whether an entry read from a run is popular enough to be copied back into memory: the
 * TinyLFU idea of admitting by recent frequency instead of recency. A one-off read of a cold key
 * (a scan of old keys, a rare late event) would otherwise push a page of genuinely hot state
 * towards eviction; with the filter such keys are served from the run and its cached block and
 * leave the memtable alone.
 *
 * <p>Frequencies come from a {@link FrequencySketch} fed by point reads only. Snapshot, restore
 * and iteration scans never reach it, so they cannot promote, nor make anything look hot.
 */
public final class AdmissionFilter {

    /**
     * Reads within the sketch's aging window before a key is promoted: the first read of a key
     * proves nothing, the second shows it is being reused.
     */
    static final int MIN_FREQUENCY = 2;

    private final FrequencySketch sketch;

    public AdmissionFilter(int expectedEntries) {
        this.sketch = new FrequencySketch(expectedEntries);
    }

    /** Counts a point read of the key hash. */
    public void recordAccess(int keyHash) {
        sketch.increment(keyHash);
    }

    /**
     * Whether a key read from disk should be promoted into memory: read at least {@value
     * #MIN_FREQUENCY} times above the sketch's noise ({@link FrequencySketch#averageCount()}).
     *
     * <p>Without the noise term, a store with far more keys on disk than the sketch tracks
     * promoted almost every read: the JFR/gauge profile of Zipfian ValueState gets over ten
     * times the memory budget showed 98% of the reads that reached the runs promoting, each
     * promotion displacing an in-memory entry, so cold keys churned the memtable and about a third
     * of all reads missed memory. Counters there average about 2, so a key read once looked read
     * twice.
     */
    public boolean admit(int keyHash) {
        return sketch.frequency(keyHash) >= MIN_FREQUENCY + sketch.averageCount();
    }
}
