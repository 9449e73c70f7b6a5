package dev.spillway.backend.memory;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Anything that holds memory from the {@link UnifiedMemoryManager}. A consumer belongs to one
 * {@link MemoryClient} and one {@link PoolKind}, holds pages and plain byte reservations, and can be
 * asked to give memory back through {@link #spill(long, MemoryConsumer)}.
 *
 * <p>In the store: the memtable (storage: record pages and its on-heap index), which spills by
 * evicting state to a run, and the block cache (storage), which spills by dropping blocks. Memory
 * that cannot be given back on request is held through {@link MemoryReservation}s: the sort, merge
 * and writer buffers of evictions, compactions and snapshot views (execution, while that work
 * runs) and the runs' bloom filters and block indexes (storage, while the runs are current).
 *
 * <h2>The spill protocol</h2>
 *
 * When a request cannot be met from free memory, the manager asks consumers to spill, in this
 * order: storage consumers of the whole slot (for an execution request only down to the storage
 * floor), the other consumers of the requester's pool in the requester's client, and finally the
 * requester itself. {@code spill} writes data out (to a sorted run, a spill file) and frees the
 * pages and reservations that held it, returning the number of bytes released. For a {@link
 * PoolKind#STORAGE} consumer spill is the <em>eviction callback</em>: state cannot be recomputed,
 * so evicting means writing it out, never dropping it.
 *
 * <h2>Threads: the contract</h2>
 *
 * <ul>
 *   <li>{@code spill} may be called from <b>any thread</b>: an execution request in another keyed
 *       backend of the same slot evicts storage from that backend's task thread, and an
 *       asynchronous snapshot thread may trigger a spill of the task thread's consumers. A consumer
 *       therefore synchronizes {@code spill} with its own operations (typically both under one lock
 *       of its own). The memory manager calls {@code spill} without holding any lock of its own, so
 *       that lock cannot deadlock against the manager.
 *   <li>While a thread runs a consumer's {@code spill}, the manager does not pick that consumer as
 *       a victim again (a second request simply moves on to the next victim). A consumer's own
 *       request may always spill the consumer itself.
 *   <li>A consumer may hold its own lock while it requests memory. The manager never blocks a
 *       thread in the spill of a consumer whose client is inside a memory request on another
 *       thread; it passes such a victim over and, after its round, waits (bounded by the wait
 *       timeout) for that request to end, unless that wait could close a cycle. So two backends
 *       that run out of memory together neither deadlock nor fail for each other.
 *   <li>A consumer must not acquire memory from inside its own {@code spill}: the request fails
 *       with an {@link IllegalStateException}. It may free pages and release memory there, and it
 *       may allocate through a <em>different</em> consumer of the <em>same client</em> (a sort
 *       buffer for the run it writes).
 *   <li>{@code allocatePage}, {@code freePage}, {@code acquireMemory} and {@code releaseMemory} are
 *       thread-safe; an {@link #acquireMemory} may block, bounded by the execution wait timeout,
 *       while an execution consumer below its fair share waits for others to release.
 * </ul>
 *
 * <p>Every page and byte must be given back (freed, released, or spilled) before {@link #close()}.
 * Anything still held at close is a leak: it is reclaimed and logged as an error, and fails the
 * test when {@link Page#BOUNDS_CHECKS} is on.
 */
public abstract class MemoryConsumer implements AutoCloseable {

    private final MemoryClient client;
    private final PoolKind pool;
    private final String name;

    /** Bytes held; written only under the manager's lock, read anywhere. */
    private volatile long used;

    /**
     * Threads inside this consumer's {@code spill}: usually none or one. More than one only when a
     * foreign thread waits for the consumer's lock to evict it while the owner spills itself.
     */
    private final Set<Thread> spillers = ConcurrentHashMap.newKeySet();

    /** Execution requests of this consumer in flight; guarded by the manager's lock. */
    private int pendingRequests;

    /**
     * Creates a consumer and registers it with its client.
     *
     * @param client the keyed backend's memory client that accounts for this consumer
     * @param pool the pool this consumer's memory is charged to
     * @param name a short name for metrics, logs and error messages, e.g. {@code "memtable"}
     */
    protected MemoryConsumer(MemoryClient client, PoolKind pool, String name) {
        this.client = Objects.requireNonNull(client, "client");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.name = Objects.requireNonNull(name, "name");
        client.register(this);
    }

    /**
     * Releases at least some memory by writing data out, asked by the memory manager.
     *
     * @param bytes how many bytes the requester still needs; releasing more is fine, less is
     *     allowed (the manager then asks the next consumer)
     * @param trigger the consumer whose request caused the spill; {@code this} for a self-spill
     * @return the number of bytes released; 0 if nothing could be released
     * @throws IOException if writing the data out failed; the data must then still be in memory
     */
    public abstract long spill(long bytes, MemoryConsumer trigger) throws IOException;

    /**
     * Whether {@link #spill} gives memory back by dropping copies of data kept elsewhere (a cache
     * of run blocks) rather than by writing data out. A {@link MemoryReservation} takes memory
     * from such consumers but never starts an eviction of its own backend's state. Such a spill
     * must take no lock of its owner's that the owner may hold while requesting memory.
     */
    protected boolean dropsWithoutWriting() {
        return false;
    }

    /**
     * Allocates a page of the client's standard page size, charged to this consumer's pool.
     *
     * @throws SpillwayMemoryException if the memory cannot be obtained even after spilling
     */
    public final Page allocatePage() {
        return client.allocatePage(this, client.pageSize());
    }

    /**
     * Allocates a page of at least {@code minimumBytes} (at least the standard page size): for a
     * single record larger than a standard page. Only standard pages are pooled and reused.
     *
     * @throws SpillwayMemoryException if the memory cannot be obtained even after spilling
     */
    public final Page allocatePage(int minimumBytes) {
        return client.allocatePage(this, minimumBytes);
    }

    /**
     * Frees a page of this consumer and releases its memory. The page handle is dead afterwards;
     * freeing it twice fails with an {@link IllegalStateException}.
     */
    public final void freePage(Page page) {
        client.freePage(this, page);
    }

    /**
     * Charges {@code bytes} that this consumer holds outside pages (e.g. an on-heap index array) to
     * its pool. All or nothing: on return the bytes are granted.
     *
     * @throws SpillwayMemoryException if the memory cannot be obtained even after spilling
     */
    public final void acquireMemory(long bytes) {
        client.acquire(this, bytes);
    }

    /** Gives back {@code bytes} charged with {@link #acquireMemory(long)}. */
    public final void releaseMemory(long bytes) {
        client.release(this, bytes);
    }

    /** Bytes this consumer holds now: its pages plus its other reservations. */
    public final long getUsed() {
        return used;
    }

    public final PoolKind pool() {
        return pool;
    }

    public final String name() {
        return name;
    }

    public final MemoryClient client() {
        return client;
    }

    /**
     * Unregisters this consumer. Anything it still holds is a leak: reclaimed and reported (see the
     * class comment). Subclasses that override must call {@code super.close()} last.
     */
    @Override
    public void close() {
        client.unregister(this);
    }

    @Override
    public String toString() {
        return name + " (" + pool + ", " + used + " bytes)";
    }

    // ------------------------------------------------------------------------------------------
    //  Bookkeeping for the memory package
    // ------------------------------------------------------------------------------------------

    /** Called under the manager's lock. */
    void addUsed(long delta) {
        used += delta;
    }

    int pendingRequests() {
        return pendingRequests;
    }

    void adjustPendingRequests(int delta) {
        pendingRequests += delta;
    }

    void beginSpill() {
        spillers.add(Thread.currentThread());
    }

    void endSpill() {
        spillers.remove(Thread.currentThread());
    }

    /** Whether some thread runs (or waits to run) this consumer's spill. */
    boolean isSpilling() {
        return !spillers.isEmpty();
    }

    boolean isSpilledByCurrentThread() {
        return spillers.contains(Thread.currentThread());
    }

    boolean isSpilledByAnotherThread() {
        Thread self = Thread.currentThread();
        for (Thread spiller : spillers) {
            if (spiller != self) {
                return true;
            }
        }
        return false;
    }
}
