package dev.spillway.backend.state;

import dev.spillway.backend.store.eviction.AdmissionFilter;

import java.io.IOException;
import java.util.Arrays;

/**
 * Deserialized values on the heap in front of the store: Spark's {@code MEMORY_AND_DISK} level,
 * where hot data is kept as objects and the serialized form below it (here the store's off-heap
 * pages, which spill to runs) is only written when an object leaves the tier or a checkpoint needs
 * it.
 *
 * <h2>Why a tier of objects</h2>
 *
 * A read of state that fits in memory on the serialized path costs a key-table probe in the pages
 * and a deserialization into a fresh object; the profile of a ValueState get had half of its time
 * in that deserialization alone. The hashmap backend returns the stored object. A hit here costs
 * what a hashmap hit costs: a probe of an open-addressing table keyed by the row bytes the state
 * layer built anyway (key group, key, state id, namespace; their hash is computed once per row).
 * Keying by the serialized row instead of the key and namespace objects keeps the tier's notion
 * of equality identical to the store's, whatever {@code equals} the user's key type has.
 *
 * <h2>Write-back</h2>
 *
 * An update only replaces the object and marks the entry dirty: repeated updates of a hot key
 * serialize nothing. A dirty entry is serialized into the store when the tier evicts it and when
 * {@link #flush()} is called, which the backend does before anything reads the store as a whole
 * (the synchronous part of a checkpoint, savepoints, key iteration). The dirty entries are kept in
 * a list as they become dirty, so a flush costs O(dirty entries), not O(tier). A read hands out the
 * stored object without marking it dirty: Flink's contract is that a change to the object returned
 * by {@code value()} is not guaranteed to be recognized without {@code update()} (on the hashmap
 * backend it is kept, on rocksdb lost; here it is kept while the object stays in the tier). A first
 * build marked every mutable object it handed out dirty, to keep such changes always; at ten times
 * the budget that turned every read into a write-back (the state benchmark's uniform ValueState get
 * fell to 0.65x of the serialized level, with one write-back per tier eviction).
 *
 * <h2>Eviction</h2>
 *
 * CLOCK over the entry slots, the approximation of LRU the memtable's page eviction also uses: a
 * hit sets the entry's reference bit, the hand clears bits and evicts the first entry whose bit is
 * already clear. The tier is bounded by an estimate of the heap its entries hold ({@link
 * #estimateBytes}): the row bytes, the slot's share of the arrays, and the serialized size of the
 * value times {@value #OBJECT_SIZE_FACTOR}, since object layouts (headers, references, boxed
 * fields, padding) take more room than the bytes they serialize to. The estimate costs a few
 * arithmetic operations per insert, nothing per hit.
 *
 * <h2>Admission</h2>
 *
 * A value written ({@code update()}, {@code add()}) always enters the tier: it is the newest
 * value and must live somewhere. A value read from the store enters while the tier has room, and
 * once it is full only if its row keeps missing ({@link #admitRead}): TinyLFU's admission, with the
 * store's own {@link AdmissionFilter} counting the misses. Without it, reads of state ten times
 * the budget with uniform keys put every value they read into a full tier (8% of them were ever
 * read there again), and each kept object for a while only to be collected later: the state
 * benchmark's ValueState get ran at 0.56x rocksdb, against 1.2x at the serialized level.
 *
 * <h2>Threads</h2>
 *
 * One tier per keyed backend, used by the task thread only (as the hashmap backend's maps are).
 * Write-backs call the store's own locked operations.
 */
final class ObjectTier {

    /** Writes an evicted or flushed value into the store; implemented by the owning state. */
    interface Owner {
        /** Serializes {@code value} into the store under {@code row}. */
        void writeBack(byte[] row, Object value) throws IOException;
    }

    /** Heap bytes per value byte assumed by the size estimate; see the class comment. */
    static final int OBJECT_SIZE_FACTOR = 2;

    /**
     * Heap bytes of an entry besides its row bytes and value: the row array's header and the
     * slot's references and ints in the parallel arrays and the index.
     */
    static final int ENTRY_OVERHEAD_BYTES = 64;

    private static final byte REFERENCED = 1;
    private static final byte DIRTY = 2;
    private static final byte LISTED_DIRTY = 4;

    private final long capacityBytes;

    // Entry slots, parallel arrays; a free slot has a null row.
    private byte[][] rows = new byte[16][];
    private int[] hashes = new int[16];
    private Object[] values = new Object[16];
    private Owner[] owners = new Owner[16];
    private int[] sizes = new int[16];
    private byte[] flags = new byte[16];
    private int slotsUsed;
    private int[] freeSlots = new int[16];
    private int freeCount;

    /**
     * Open addressing over the slots, linear probing: {@code hash << 32 | (slot + 1)}, 0 for empty.
     * The hash beside the slot lets a probe pass other rows without touching their entry arrays,
     * one cache miss per probe fewer (the profile of a Zipfian get had half its time in lookup).
     */
    private long[] index = new long[64];

    private int live;
    private long usedBytes;
    private int hand;

    /** Slots that became dirty since the last flush; may hold stale or repeated slots. */
    private int[] dirtySlots = new int[16];
    private int dirtyListed;

    private long hits;
    private long misses;
    private long evictions;
    private long writeBacks;

    /** Counts the rows that miss; decides which reads enter a full tier. */
    private final AdmissionFilter admission;

    ObjectTier(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacity must be at least 0, was " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        // About one sketch counter per entry the tier can hold at 128 bytes each.
        this.admission =
                new AdmissionFilter((int) Math.min(1 << 20, Math.max(1024, capacityBytes / 128)));
    }

    /**
     * Whether a value of that size just read from the store for the row should enter the tier:
     * always while it has room, and then only for a row read often enough (see the class comment).
     */
    boolean admitRead(int hash, int estimatedBytes) {
        admission.recordAccess(hash);
        return usedBytes + estimatedBytes <= capacityBytes || admission.admit(hash);
    }

    /** The estimated heap bytes of an entry whose row and serialized value have these sizes. */
    static int estimateBytes(int rowLength, int serializedValueLength) {
        return ENTRY_OVERHEAD_BYTES + rowLength + OBJECT_SIZE_FACTOR * serializedValueLength;
    }

    /** The slot of the row, or -1; counts a hit or a miss. */
    int find(byte[] row, int rowLength, int hash) {
        int slot = lookup(row, rowLength, hash);
        if (slot < 0) {
            misses++;
        } else {
            hits++;
        }
        return slot;
    }

    /** The value in a slot {@link #find} returned; marks the entry recently used. */
    Object value(int slot) {
        flags[slot] |= REFERENCED;
        return values[slot];
    }

    /**
     * Puts the row's value, replacing any; may evict (writing dirty victims back) to stay within
     * the capacity. A tier of capacity 0 keeps nothing and writes a dirty value back at once.
     */
    void put(
            byte[] row,
            int rowLength,
            int hash,
            Object value,
            boolean dirty,
            int estimatedBytes,
            Owner owner)
            throws IOException {
        int slot = lookup(row, rowLength, hash);
        if (slot >= 0) {
            usedBytes += estimatedBytes - sizes[slot];
            sizes[slot] = estimatedBytes;
            values[slot] = value;
            owners[slot] = owner;
            flags[slot] |= REFERENCED;
            if (dirty) {
                markDirty(slot);
            }
        } else {
            if ((live + 1) * 2 > index.length) {
                rebuildIndex(index.length * 2);
            }
            slot = newSlot();
            rows[slot] = Arrays.copyOf(row, rowLength);
            hashes[slot] = hash;
            values[slot] = value;
            owners[slot] = owner;
            sizes[slot] = estimatedBytes;
            // New entries start unreferenced: one read does not make an entry hot, and a scan
            // of cold keys then pushes out only its own entries. A slot still on the dirty list
            // from its previous entry stays listed once.
            flags[slot] &= LISTED_DIRTY;
            if (dirty) {
                markDirty(slot);
            }
            insertIntoIndex(slot, hash);
            live++;
            usedBytes += estimatedBytes;
        }
        evictWhileOver();
    }

    /** Drops the row's entry, dirty or not (the caller deletes or rewrites the row itself). */
    void remove(byte[] row, int rowLength, int hash) {
        int slot = lookup(row, rowLength, hash);
        if (slot >= 0) {
            release(slot);
        }
    }

    /** Whether the row's entry is dirty (its store row is stale); false without an entry. */
    boolean isDirty(byte[] row, int rowLength, int hash) {
        int slot = lookup(row, rowLength, hash);
        return slot >= 0 && (flags[slot] & DIRTY) != 0;
    }

    /** Writes every dirty entry back; they stay in the tier, clean. O(dirty entries). */
    void flush() throws IOException {
        for (int i = 0; i < dirtyListed; i++) {
            int slot = dirtySlots[i];
            flags[slot] &= ~LISTED_DIRTY;
            if ((flags[slot] & DIRTY) != 0) {
                writeBack(slot);
            }
        }
        dirtyListed = 0;
    }

    /** Writes back and drops every entry of one owner (a state whose serializer changes). */
    void evictAll(Owner owner) throws IOException {
        for (int slot = 0; slot < slotsUsed; slot++) {
            if (rows[slot] != null && owners[slot] == owner) {
                if ((flags[slot] & DIRTY) != 0) {
                    writeBack(slot);
                }
                release(slot);
            }
        }
    }

    /** Drops everything without writing back: the backend is being disposed. */
    void discard() {
        Arrays.fill(rows, null);
        Arrays.fill(values, null);
        Arrays.fill(owners, null);
        Arrays.fill(index, 0);
        Arrays.fill(flags, (byte) 0);
        slotsUsed = 0;
        hand = 0;
        freeCount = 0;
        live = 0;
        usedBytes = 0;
        dirtyListed = 0;
    }

    long capacityBytes() {
        return capacityBytes;
    }

    /** Estimated heap bytes held. */
    long usedBytes() {
        return usedBytes;
    }

    int entries() {
        return live;
    }

    /** Entries whose store row is stale, at most: the count of the dirty list. */
    int dirtyEntries() {
        int dirty = 0;
        for (int i = 0; i < dirtyListed; i++) {
            if ((flags[dirtySlots[i]] & DIRTY) != 0) {
                dirty++;
            }
        }
        return dirty;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    long evictions() {
        return evictions;
    }

    /** Values serialized into the store by eviction or flush. */
    long writeBacks() {
        return writeBacks;
    }

    // ------------------------------------------------------------------------------------------

    private void evictWhileOver() throws IOException {
        // Two sweeps clear every reference bit, so the loop ends; each pass either clears a bit
        // or evicts.
        while (usedBytes > capacityBytes && live > 0) {
            if (hand >= slotsUsed) {
                hand = 0;
            }
            int slot = hand++;
            if (rows[slot] == null) {
                continue;
            }
            if ((flags[slot] & REFERENCED) != 0) {
                flags[slot] &= ~REFERENCED;
                continue;
            }
            if ((flags[slot] & DIRTY) != 0) {
                writeBack(slot);
            }
            release(slot);
            evictions++;
        }
    }

    private void writeBack(int slot) throws IOException {
        owners[slot].writeBack(rows[slot], values[slot]);
        flags[slot] &= ~DIRTY;
        writeBacks++;
    }

    private void markDirty(int slot) {
        byte f = flags[slot];
        if ((f & LISTED_DIRTY) == 0) {
            if (dirtyListed == dirtySlots.length) {
                dirtySlots = Arrays.copyOf(dirtySlots, dirtyListed * 2);
            }
            dirtySlots[dirtyListed++] = slot;
            f |= LISTED_DIRTY;
        }
        flags[slot] = (byte) (f | DIRTY);
    }

    private int lookup(byte[] row, int rowLength, int hash) {
        int mask = index.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long entry = index[i];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                int slot = (int) entry - 1;
                byte[] stored = rows[slot];
                if (stored.length == rowLength
                        && Arrays.equals(stored, 0, rowLength, row, 0, rowLength)) {
                    return slot;
                }
            }
        }
    }

    private int newSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (slotsUsed == rows.length) {
            int capacity = rows.length * 2;
            rows = Arrays.copyOf(rows, capacity);
            hashes = Arrays.copyOf(hashes, capacity);
            values = Arrays.copyOf(values, capacity);
            owners = Arrays.copyOf(owners, capacity);
            sizes = Arrays.copyOf(sizes, capacity);
            flags = Arrays.copyOf(flags, capacity);
        }
        return slotsUsed++;
    }

    /** Call with room in the index (load at most one half after the insert). */
    private void insertIntoIndex(int slot, int hash) {
        int mask = index.length - 1;
        int i = hash & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = indexEntry(hash, slot);
    }

    private static long indexEntry(int hash, int slot) {
        return ((long) hash << 32) | (slot + 1);
    }

    private void rebuildIndex(int size) {
        long[] old = index;
        index = new long[size];
        int mask = size - 1;
        for (long entry : old) {
            if (entry != 0) {
                int i = (int) (entry >>> 32) & mask;
                while (index[i] != 0) {
                    i = (i + 1) & mask;
                }
                index[i] = entry;
            }
        }
    }

    private void release(int slot) {
        removeFromIndex(slot);
        usedBytes -= sizes[slot];
        live--;
        rows[slot] = null;
        values[slot] = null;
        owners[slot] = null;
        // LISTED_DIRTY stays with the slot so a reuse is not listed twice; DIRTY goes.
        flags[slot] &= LISTED_DIRTY;
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    /** Backward-shift deletion, so probing never needs tombstones. */
    private void removeFromIndex(int slot) {
        int mask = index.length - 1;
        int i = hashes[slot] & mask;
        while ((int) index[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int home = (int) (index[j] >>> 32) & mask;
            // Move entry j into the hole unless its home lies cyclically in (hole, j].
            boolean homeBetween = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeBetween) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }
}
