package dev.spillway.backend.store.run;

/**
 * The hook through which the {@link BlockCache} charges the memory it holds to a pool. The store
 * passes an adapter over the storage pool of the memory manager; {@link #UNACCOUNTED} serves
 * tests and tools that run without one.
 */
public interface MemoryCharge {

    /**
     * Takes {@code bytes} of memory nobody uses; returns {@code false}, taking nothing, when there
     * is not that much free.
     */
    boolean tryCharge(long bytes);

    /**
     * Takes {@code bytes} for a block the cache found hot, even if state must be evicted to disk
     * for it. The implementation bounds how much of the pool the cache may win this way, so that
     * cached blocks and state cannot push each other out in turn. Returns {@code false}, taking
     * nothing, when it will not or cannot.
     */
    default boolean tryChargeEvicting(long bytes) {
        return false;
    }

    /** Gives back bytes taken earlier. */
    void refund(long bytes);

    /** Always grants, counts nothing. */
    MemoryCharge UNACCOUNTED =
            new MemoryCharge() {
                @Override
                public boolean tryCharge(long bytes) {
                    return true;
                }

                @Override
                public void refund(long bytes) {}
            };
}
