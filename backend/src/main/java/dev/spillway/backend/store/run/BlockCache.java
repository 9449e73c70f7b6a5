package dev.spillway.backend.store.run;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoded data blocks shared by all runs of a store (or of a slot), bounded in bytes and charged
 * through a {@link MemoryCharge}.
 *
 * <p><b>Policy.</b> Plain LRU over whole blocks (an access-ordered {@link LinkedHashMap}). Scans
 * that should not displace the working set — compaction inputs, snapshot readers — read through
 * the cache without inserting ({@code fillCache = false} on the cursors), which protects hot
 * blocks better than a scan-resistant policy would for the same code. Hits and misses are
 * counted for metrics.
 *
 * <p><b>Memory.</b> A block is inserted only if it fits under the capacity after evicting older
 * blocks and the charge grants its weight; otherwise it is served to the reader without being
 * kept. {@link #shrink(long)} lets the memory manager take memory back.
 *
 * <p>Thread-safe; one lock, held only for map operations (decoding happens outside it).
 */
public final class BlockCache {

    private final long capacityBytes;
    private final MemoryCharge charge;
    private final LinkedHashMap<BlockKey, Block> blocks = new LinkedHashMap<>(64, 0.75f, true);

    private long sizeBytes;
    private long hits;
    private long misses;

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
        Block cached = blocks.get(new BlockKey(runCacheId, block));
        if (cached == null) {
            misses++;
        } else {
            hits++;
        }
        return cached;
    }

    synchronized void put(long runCacheId, int blockNumber, Block block) {
        int weight = block.weight();
        if (weight > capacityBytes) {
            return;
        }
        BlockKey key = new BlockKey(runCacheId, blockNumber);
        if (blocks.containsKey(key)) {
            return;
        }
        evictUntil(capacityBytes - weight);
        while (!charge.tryCharge(weight)) {
            if (blocks.isEmpty()) {
                return;
            }
            evictUntil(sizeBytes - 1);
        }
        blocks.put(key, block);
        sizeBytes += weight;
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
        evictUntil(Math.max(0, sizeBytes - bytes));
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

    private void evictUntil(long targetSize) {
        Iterator<Block> eldest = blocks.values().iterator();
        while (sizeBytes > targetSize && eldest.hasNext()) {
            release(eldest.next());
            eldest.remove();
        }
    }

    private void release(Block block) {
        sizeBytes -= block.weight();
        charge.refund(block.weight());
    }

    private record BlockKey(long run, int block) {}
}
