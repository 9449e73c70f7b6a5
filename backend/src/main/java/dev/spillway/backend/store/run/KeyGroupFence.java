package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.CompositeKey;

/**
 * The key groups a run may show: an adopted run whose file holds more key groups than its new
 * store owns (after rescaling) is read through a fence instead of being rewritten on the restore
 * path, as RocksDB's restore keeps an SST file and deletes the foreign range. Entries outside the
 * fence are invisible to point reads and scans, so a compaction that reads the run writes only
 * what lies inside; the store's compactor rewrites fenced runs first.
 *
 * @param first the first key group shown
 * @param last the last key group shown (inclusive)
 */
public record KeyGroupFence(int first, int last) {

    public KeyGroupFence {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("Key group fence [" + first + ", " + last + "]");
        }
    }

    public boolean contains(int keyGroup) {
        return keyGroup >= first && keyGroup <= last;
    }

    /** Whether a key lies inside; keys too short to name a key group never do. */
    boolean containsKey(byte[] key, int keyLength) {
        return keyLength >= CompositeKey.KEY_GROUP_BYTES && contains(CompositeKey.keyGroup(key));
    }

    /** The smallest key inside the fence: the first key group's prefix. */
    byte[] lowestKey() {
        byte[] key = new byte[CompositeKey.KEY_GROUP_BYTES];
        CompositeKey.writeKeyGroupPrefix(key, first);
        return key;
    }
}
