package dev.spillway.backend.store.run;

import dev.spillway.backend.store.eviction.FrequencySketch;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decoded data blocks shared by all runs of a store (or of a slot), bounded in bytes and charged
 * through a {@link MemoryCharge}.
 *
 * <p><b>Policy: TinyLFU admission over an LRU.</b> Every lookup, hit or miss, counts the block in
 * a {@link FrequencySketch} (the memtable's admission filter uses the same sketch). A block read
 * from disk is kept when there is room for it in free memory. When there is not, it has to
 * displace something, and only a block read often enough may:
 *
 * <ul>
 *   <li>displacing cached blocks: the least recently used ones go, but only while none of them
 *       has been read more often than the candidate (ties admit, so a cache of equally cold blocks
 *       stays plain LRU);
 *   <li>displacing state: a block read at least {@value #HOT_READS} times recently (above the
 *       sketch's noise, {@link FrequencySketch#averageCount()}) may ask the
 *       charge to take memory by evicting colder memtable pages ({@link
 *       MemoryCharge#tryChargeEvicting}); the charge bounds how far that goes.
 * </ul>
 *
 * A one-pass read of cold data therefore never pushes out hot blocks or state. Scans that should
 * not fill the cache at all (compaction inputs, snapshot readers) pass {@code fillCache = false}
 * on their cursors.
 *
 * <p><b>Memory.</b> {@link #shrink(long)} lets the memory manager take memory back. Blocks live on
 * the heap: a block is looked up in place by binary search, so keeping it as a {@code byte[]} costs
 * nothing per read, whereas an off-heap page would need a copy or a second set of accessors, and
 * the cache holds few, large objects, which the GC traces cheaply.
 *
 * <p>Thread-safe; one lock, held only for map operations (reading, decoding and charging happen
 * outside it).
 */
public final class BlockCache {

    /** Recent reads of a block before it may make the memtable evict state for it. */
    static final int HOT_READS = 2;

    private final long capacityBytes;
    private final MemoryCharge charge;
    private final LinkedHashMap<BlockKey, Block> blocks = new LinkedHashMap<>(64, 0.75f, true);
    private final FrequencySketch frequencies = new FrequencySketch(1 << 14);

    private long sizeBytes;
    private long hits;
    private long misses;

    private final LongAdder pointBlocks = new LongAdder();
    private final LongAdder pointDiskBytes = new LongAdder();

    /**
     * @param capacityBytes the most decoded bytes to keep; 0 disables caching
     * @param charge where the kept bytes are charged
     */
    public BlockCache(long capacityBytes, MemoryCharge charge) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("Block cache capacity must be >= 0 bytes, was " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.charge = charge;
    }

    /** A cache that keeps nothing. */
    public static BlockCache disabled() {
        return new BlockCache(0, MemoryCharge.UNACCOUNTED);
    }

    synchronized Block get(long runCacheId, int block) {
        BlockKey key = new BlockKey(runCacheId, block);
        frequencies.increment(key.hashCode());
        Block cached = blocks.get(key);
        if (cached == null) {
            misses++;
        } else {
            hits++;
        }
        return cached;
    }

    /** Whether {@link #put} could keep a block of that weight: cheap, so a reader can skip work. */
    boolean mayKeep(int weight) {
        return weight <= capacityBytes;
    }

    /**
     * Offers a block just read from disk; keeps it if the policy admits it and memory is granted.
     * The block must be validated: cached blocks are trusted by every reader.
     */
    void put(long runCacheId, int blockNumber, Block block) {
        int weight = block.weight();
        if (weight > capacityBytes) {
            return;
        }
        BlockKey key = new BlockKey(runCacheId, blockNumber);
        int frequency;
        boolean hot;
        synchronized (this) {
            if (blocks.containsKey(key)) {
                return;
            }
            frequency = frequencies.frequency(key.hashCode());
            // Above the sketch's noise: with many more blocks on disk than the sketch tracks, every
            // counter carries other blocks' reads and a block read once looked hot. The Zipfian
            // ValueState get profile on main spent 11% of the task thread in BlockCacheMemory
            // charges that evicted memtable pages for such blocks (the cache hit 5% of lookups).
            hot = frequency >= HOT_READS + frequencies.averageCount();
            if (!evictColderUntil(capacityBytes - weight, frequency)) {
                return;
            }
        }
        // Charged without the lock: the charge may ask the memory manager, which may call shrink.
        boolean charged = charge.tryCharge(weight)
                || (hot && charge.tryChargeEvicting(weight));
        synchronized (this) {
            while (!charged) {
                if (blocks.isEmpty() || !evictColderUntil(sizeBytes - 1, frequency)) {
                    return;
                }
                charged = charge.tryCharge(weight);
            }
            if (blocks.containsKey(key)) {
                charge.refund(weight); // another reader cached it meanwhile
                return;
            }
            blocks.put(key, block);
            sizeBytes += weight;
        }
    }

    /** Drops every block of a run that is gone. */
    synchronized void invalidate(long runCacheId) {
        Iterator<Map.Entry<BlockKey, Block>> it = blocks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<BlockKey, Block> entry = it.next();
            if (entry.getKey().run() == runCacheId) {
                release(entry.getValue());
                it.remove();
            }
        }
    }

    /** Evicts least recently used blocks until at least {@code bytes} are freed or none is left. */
    public synchronized long shrink(long bytes) {
        long before = sizeBytes;
        evictColderUntil(Math.max(0, sizeBytes - bytes), Integer.MAX_VALUE);
        return before - sizeBytes;
    }

    /** Decoded bytes held now. */
    public synchronized long sizeBytes() {
        return sizeBytes;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** Counts one block a point read looked up, and the bytes it read from disk for it (0: hit). */
    void recordPointRead(int diskBytes) {
        pointBlocks.increment();
        if (diskBytes > 0) {
            pointDiskBytes.add(diskBytes);
        }
    }

    /** Blocks looked up by point reads (cache hits and disk reads). */
    public long pointReadBlocks() {
        return pointBlocks.sum();
    }

    /** Bytes point reads read from disk. */
    public long pointReadBytes() {
        return pointDiskBytes.sum();
    }

    /**
     * Evicts least recently used blocks until the size is at most {@code targetSize}; gives up,
     * returning false, at a block read more often than {@code maxFrequency}.
     */
    private boolean evictColderUntil(long targetSize, int maxFrequency) {
        Iterator<Map.Entry<BlockKey, Block>> eldest = blocks.entrySet().iterator();
        while (sizeBytes > targetSize && eldest.hasNext()) {
            Map.Entry<BlockKey, Block> victim = eldest.next();
            if (maxFrequency != Integer.MAX_VALUE
                    && frequencies.frequency(victim.getKey().hashCode()) > maxFrequency) {
                return false;
            }
            release(victim.getValue());
            eldest.remove();
        }
        return sizeBytes <= targetSize;
    }

    private void release(Block block) {
        sizeBytes -= block.weight();
        charge.refund(block.weight());
    }

    private record BlockKey(long run, int block) {
        @Override
        public int hashCode() {
            long h = (run * 0x9E3779B97F4A7C15L) ^ block;
            h *= 0xBF58476D1CE4E5B9L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
