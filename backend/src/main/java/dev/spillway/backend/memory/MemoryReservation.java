package dev.spillway.backend.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory held by a buffer that cannot give it back on request: the sort arrays and run writer of
 * an eviction, the merge buffers of a compaction, a snapshot view's pin array, sort and writer
 * ({@link PoolKind#EXECUTION}, for as long as the work runs), the resident bloom filters and block
 * indexes of a store's runs ({@link PoolKind#STORAGE}, for as long as the runs are current). One
 * call site, a few lines:
 *
 * <pre>{@code
 * try (MemoryReservation merge = MemoryReservation.execution(client, "compaction")) {
 *     merge.growWithoutWaiting(task.memoryEstimate());
 *     task.run();
 * }
 * }</pre>
 *
 * <h2>Where a reservation takes memory from (and where not)</h2>
 *
 * Spark's {@code ExecutionMemoryPool} grants a task what is free up to its 1/N share, evicts
 * cached blocks that storage borrowed, and makes a task below 1/2N wait. A reservation does the
 * same, with one difference that matters for a store: <em>it never evicts its own backend's
 * state</em>. The buffers it accounts for are the work of evicting, merging and snapshotting that
 * state; if a compaction's reservation evicted the memtable, the eviction would write another run,
 * which calls for another compaction, and so on (a first attempt did that and README command 1
 * fell from 47k to 16k records/s with 40 runs, docs/benchmarks.md). So, in this order:
 *
 * <ol>
 *   <li><b>Free memory</b>, within the 1/N cap of an execution consumer.
 *   <li><b>Cached copies</b>: storage consumers that {@link MemoryConsumer#dropsWithoutWriting drop
 *       rather than write} (block caches) are asked to give memory back; nothing reaches the disk.
 *       Each cache decides what it gives (a store's cache keeps the hot blocks its memtable may
 *       not take either, see the store's {@code BlockCacheMemory}).
 *   <li><b>Other backends' state</b> ({@link #growTo} and {@link #growWithoutWaiting}): storage consumers of other clients
 *       of the slot evict, but only storage above the floor, as Spark's execution takes back what
 *       storage borrowed. A backend busy in a memory request of its own on another thread is
 *       passed over, never waited for.
 *   <li><b>Waiting</b> ({@link #growTo} only): an execution reservation below 1/2N of the memory
 *       execution can reach waits, bounded by {@code spillway.memory.execution-wait-timeout}, for
 *       other execution consumers to release (Spark's fairness). Only when their release can
 *       bring it to 1/2N (not when its own backend's state is what stands in the way, which a
 *       release does not lift) and only one request waits at a time (two reservations holding
 *       part of what the other needs would wait for each other).
 *   <li><b>Proceeding unreserved.</b> The work goes on with whatever was granted: an eviction must
 *       free memory, a checkpoint should not fail, a compaction left undone makes every read
 *       slower. The difference is counted ({@code unreservedBytes} in the memory metrics), and
 *       {@link #covers()} tells the caller.
 * </ol>
 *
 * {@link #growFromFree} takes step 1 only, for memory that ranks below cached blocks. {@link
 * #growWithoutEvicting} stops after step 2: for the work that runs inside a consumer's
 * {@code spill} or under a store lock (evictions, the pin array of a snapshot taken on the task
 * thread), where starting evictions of other backends would cascade through the slot and waiting
 * would hold up the task thread.
 *
 * <p>A reservation is never an eviction or spill candidate itself ({@link #spill} returns 0): its
 * memory is in use until its owner shrinks or closes it. Only a storage request that nothing else
 * can serve revokes it ({@link Acquisition}, step 4b): a state write must not fail for the
 * accounting of buffers whose work goes on anyway; the revoked bytes count as unreserved. One owner grows, shrinks and closes it;
 * metric reporters may read it from any thread.
 */
public final class MemoryReservation extends MemoryConsumer {

    /** Bytes asked for by the last grow or shrink. */
    private long wanted;

    /** Shortfall already counted as unreserved, so that a repeated grow does not count it again. */
    private long countedShortfall;

    /** Bytes revoked (and counted as unreserved then) since the owner last counted. */
    private final AtomicLong revokedUncounted = new AtomicLong();

    private MemoryReservation(MemoryClient client, PoolKind pool, String name) {
        super(client, pool, name);
        client.manager().registerReservation(this);
    }

    /** An empty execution reservation for a transient buffer. */
    public static MemoryReservation execution(MemoryClient client, String name) {
        return new MemoryReservation(client, PoolKind.EXECUTION, name);
    }

    /** An empty storage reservation for memory resident beside the state (run indexes). */
    public static MemoryReservation storage(MemoryClient client, String name) {
        return new MemoryReservation(client, PoolKind.STORAGE, name);
    }

    /**
     * Grows the reservation to {@code total} bytes through steps 1–5 of the class comment, or
     * shrinks it. Never fails for lack of memory. Returns the bytes reserved.
     */
    public long growTo(long total) {
        return resize(total, true, pool() == PoolKind.EXECUTION, true);
    }

    /**
     * As {@link #growTo} but without step 4: never waits for a fair share. For work that must not
     * queue behind buffers held for long (a snapshot view holds its reservation until its
     * checkpoint has persisted it), and whose delay has a cost of its own (runs pile up while a
     * compaction waits). Returns the bytes reserved.
     */
    public long growWithoutWaiting(long total) {
        return resize(total, true, pool() == PoolKind.EXECUTION, false);
    }

    /**
     * Grows the reservation to {@code total} bytes from free memory and cached copies only (steps
     * 1, 2 and 5), or shrinks it: never writes state, never waits. Returns the bytes reserved.
     */
    public long growWithoutEvicting(long total) {
        return resize(total, true, false, false);
    }

    /** Whether everything asked for was granted. */
    public boolean covers() {
        return getUsed() >= wanted;
    }

    /** Bytes reserved now. */
    public long reserved() {
        return getUsed();
    }

    /**
     * Grows the reservation to {@code total} bytes from free memory only (steps 1 and 5), or
     * shrinks it: for memory that ranks below everything else of the backend, cached blocks
     * included (a store's run indexes). Returns the bytes reserved.
     */
    public long growFromFree(long total) {
        return resize(total, false, false, false);
    }

    private long resize(
            long total, boolean reachCaches, boolean reachOtherBackends, boolean mayWait) {
        if (total < 0) {
            throw new IllegalArgumentException("A reservation cannot be negative: " + total);
        }
        wanted = total;
        countedShortfall += revokedUncounted.getAndSet(0);
        long held = getUsed();
        if (total < held) {
            client().manager().releaseUpTo(this, held - total);
        } else if (total > held) {
            new ReservationRequest(this, total, reachCaches, reachOtherBackends, mayWait).run();
        }
        long shortfall = Math.max(0, total - getUsed());
        if (shortfall > countedShortfall) {
            client().manager().stats().recordUnreserved(shortfall - countedShortfall);
        }
        countedShortfall = shortfall;
        return getUsed();
    }

    /** A reservation's memory is in use by its owner: nothing to give back on request. */
    @Override
    public long spill(long bytes, MemoryConsumer trigger) {
        return 0;
    }

    /**
     * Gives up to {@code bytes} back while the buffer stays in use, for a storage request that
     * would otherwise fail (step 4b of {@link Acquisition}) or for state its owner ranks higher
     * (a store's memtable yields its run-index charge before it evicts); the bytes are counted as
     * unreserved. Any thread; takes no lock but the manager's, so it cannot deadlock with the
     * owner. Returns the bytes given back.
     */
    public long yieldUnreserved(long bytes) {
        long revoked = client().manager().releaseUpTo(this, bytes);
        if (revoked > 0) {
            revokedUncounted.addAndGet(revoked);
            client().manager().stats().recordUnreserved(revoked);
        }
        return revoked;
    }

    /** Gives everything back and unregisters. */
    @Override
    public void close() {
        client().manager().unregisterReservation(this);
        client().manager().releaseUpTo(this, Long.MAX_VALUE);
        wanted = 0;
        super.close();
    }
}
