package dev.spillway.backend.store.memtable;

/**
 * An open-addressing hash table from a 32-bit hash to an entry number, with no per-entry objects:
 * two parallel {@code int[]} arrays (entry number + 1, and the full hash), linear probing, load
 * factor at most 1/2, and backward-shift deletion so that no tombstones accumulate under the
 * delete-heavy workloads of state TTL.
 *
 * <p>The table stores no keys. A lookup walks the probe sequence, skips slots whose cached hash
 * differs (almost all of them), and asks an {@link EntryMatcher} to compare the few candidates'
 * keys, which live serialized in off-heap pages. The memtable uses one table for full keys and one
 * for rows (see {@link Memtable}).
 */
final class ProbingHashTable {

    /** Decides whether an entry's key equals the probe bytes. */
    interface EntryMatcher {
        boolean matches(int entry, byte[] key, int length);
    }

    static final int NOT_FOUND = -1;

    private static final int MIN_CAPACITY = 16;

    /** Entry number + 1 per slot; 0 marks an empty slot. */
    private int[] slots;

    private int[] hashes;
    private int mask;
    private int size;

    ProbingHashTable() {
        allocate(MIN_CAPACITY);
    }

    /** The entry whose key matches, or {@link #NOT_FOUND}. */
    int find(int hash, byte[] key, int length, EntryMatcher matcher) {
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            int slot = slots[i];
            if (slot == 0) {
                return NOT_FOUND;
            }
            if (hashes[i] == hash && matcher.matches(slot - 1, key, length)) {
                return slot - 1;
            }
        }
    }

    /** Adds an entry; the caller guarantees no matching entry is present. */
    void insert(int hash, int entry) {
        growForOneMore();
        int i = hash & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = entry + 1;
        hashes[i] = hash;
        size++;
    }

    /** Points the slot that holds {@code oldEntry} at {@code newEntry} (same hash). */
    void replace(int hash, int oldEntry, int newEntry) {
        slots[indexOf(hash, oldEntry)] = newEntry + 1;
    }

    /** Removes an entry that is present. */
    void remove(int hash, int entry) {
        int hole = indexOf(hash, entry);
        // Backward-shift: pull later members of the probe run into the hole when the hole lies
        // between their home slot and their current slot, so every probe run stays contiguous.
        for (int i = (hole + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
            int home = hashes[i] & mask;
            boolean movable = ((i - home) & mask) >= ((i - hole) & mask);
            if (movable) {
                slots[hole] = slots[i];
                hashes[hole] = hashes[i];
                hole = i;
            }
        }
        slots[hole] = 0;
        size--;
    }

    int size() {
        return size;
    }

    /** Heap bytes one more entry would add by doubling the table; 0 when it fits. */
    long growthBytesForOneMore() {
        return 2 * (size + 1) > slots.length ? footprintBytes() : 0;
    }

    /** Doubles the table if one more entry would exceed the load factor of 1/2. */
    void growForOneMore() {
        if (2 * (size + 1) > slots.length) {
            rehash(slots.length * 2);
        }
    }

    /** Heap bytes of the arrays, charged to the storage pool as index overhead. */
    long footprintBytes() {
        return 8L * slots.length;
    }

    void clear() {
        allocate(MIN_CAPACITY);
    }

    private int indexOf(int hash, int entry) {
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            if (slots[i] == entry + 1) {
                return i;
            }
            if (slots[i] == 0) {
                throw new IllegalStateException("Entry " + entry + " missing from hash table");
            }
        }
    }

    private void rehash(int capacity) {
        int[] oldSlots = slots;
        int[] oldHashes = hashes;
        int oldSize = size;
        allocate(capacity);
        size = oldSize;
        for (int j = 0; j < oldSlots.length; j++) {
            if (oldSlots[j] != 0) {
                int i = oldHashes[j] & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[j];
                hashes[i] = oldHashes[j];
            }
        }
    }

    private void allocate(int capacity) {
        slots = new int[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }
}
