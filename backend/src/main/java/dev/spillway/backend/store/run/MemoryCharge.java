package dev.spillway.backend.store.run;

/**
 * The hook through which the {@link BlockCache} charges the memory it holds to a pool. The store
 * passes an adapter over the storage pool of the memory manager; {@link #UNACCOUNTED} serves
 * tests and tools that run without one.
 */
public interface MemoryCharge {

    /** Takes {@code bytes} from the pool; returns {@code false}, taking nothing, when it cannot. */
    boolean tryCharge(long bytes);

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
