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

    /** Whether a key read from disk should be promoted into memory. */
    public boolean admit(int keyHash) {
        return sketch.frequency(keyHash) >= MIN_FREQUENCY;
    }
}
