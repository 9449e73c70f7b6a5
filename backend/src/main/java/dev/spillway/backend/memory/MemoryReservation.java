package dev.spillway.backend.memory;

/**
 * Memory held by one buffer that cannot give it back on request: the sort arrays and writer
 * buffers of an eviction, a compaction or a snapshot ({@link PoolKind#EXECUTION}), the resident
 * indexes and bloom filters of a store's runs ({@link PoolKind#STORAGE}). One call site, one line:
 *
 * <pre>{@code
 * try (MemoryReservation sort = MemoryReservation.execution(client, "eviction-sort", bytes, false)) {
 *     ... sort and write ...
 * }
 * }</pre>
 *
 * <p><b>Asking.</b> {@link #growTo} runs the manager's acquire path: free memory, then (for
 * execution) storage evicted down to the floor, within the 1/N fair-share cap, but never waits: the
 * work goes on with or without the memory, so waiting (for a share another buffer holds, which may
 * be a snapshot view held open for long) would only delay it. Where that is not allowed
 * — inside a consumer's {@code spill}, where a second round of evictions would cascade through the
 * slot — {@link #growToFree} takes only free memory. Either way a refused request does not fail the
 * caller: the reservation keeps what it could get and the rest is counted as <em>unreserved</em>
 * ({@code unreservedBytes} in the memory metrics), and {@link #covers} tells the caller. The
 * store's callers proceed with the overshoot visible: an eviction frees far more than its sort
 * holds, a checkpoint should not fail, a compaction left undone makes every read slower.
 *
 * <p><b>Revoking.</b> The buffer cannot be given back while its owner works, but the claim can:
 * a storage request that found nothing else to evict (memtable pages pinned by a snapshot view)
 * revokes execution reservations, largest first, before it fails, so a state write never fails
 * for buffers whose work goes on anyway, nor for run indexes charged after the fact. Revoked bytes
 * are counted as unreserved; a storage reservation takes them back from free memory when it next
 * grows. Nothing else spills a reservation: it is not an eviction candidate.
 *
 * <p>One owner grows, shrinks and closes it; {@link #spill} may revoke from any thread.
 */
public final class MemoryReservation extends MemoryConsumer {

    /** Bytes asked for by the last grow. */
    private long wanted;

    /** Shortfall already counted as unreserved, so a repeated grow does not count it again. */
    private long countedShortfall;

    private MemoryReservation(MemoryClient client, PoolKind pool, String name) {
        super(client, pool, name);
        client.manager().registerRevocable(this);
    }

    /**
     * An execution reservation of {@code bytes} for a transient buffer.
     *
     * @param insideSpill whether the caller runs inside a consumer's {@code spill} (then only free
     *     memory is taken)
     */
    public static MemoryReservation execution(
            MemoryClient client, String name, long bytes, boolean insideSpill) {
        MemoryReservation reservation = new MemoryReservation(client, PoolKind.EXECUTION, name);
        if (insideSpill) {
            reservation.growToFree(bytes);
        } else {
            reservation.growTo(bytes);
        }
        return reservation;
    }

    /** An empty storage reservation for memory resident beside the state (run indexes). */
    public static MemoryReservation storage(MemoryClient client, String name) {
        return new MemoryReservation(client, PoolKind.STORAGE, name);
    }

    /**
     * Grows (or shrinks) the reservation to {@code total} bytes through the full acquire path; if
     * that is refused, keeps what free memory allows and counts the rest as unreserved.
     */
    public void growTo(long total) {
        if (shrinkIfLess(total)) {
            return;
        }
        try {
            client().acquire(this, total - getUsed(), false);
        } catch (SpillwayMemoryException refused) {
            growToFree(total);
            return;
        }
        wanted = total;
    }

    /** As {@link #growTo}, but only from free memory: never evicts, spills or waits. */
    public void growToFree(long total) {
        if (shrinkIfLess(total)) {
            return;
        }
        client().manager().tryAcquireUpTo(this, total - getUsed());
        wanted = total;
        long shortfall = total - getUsed();
        if (shortfall > countedShortfall) {
            client().manager().stats().recordUnreserved(shortfall - countedShortfall);
            countedShortfall = shortfall;
        }
    }

    /** Whether everything asked for so far was granted. */
    public boolean covers() {
        return getUsed() >= wanted;
    }

    /** Bytes granted. */
    public long reserved() {
        return getUsed();
    }

    private boolean shrinkIfLess(long total) {
        if (total < 0) {
            throw new IllegalArgumentException("A reservation cannot be negative: " + total);
        }
        if (total > getUsed()) {
            return false;
        }
        if (total < getUsed()) {
            client().manager().releaseUpTo(this, getUsed() - total);
        }
        wanted = total;
        return true;
    }

    /**
     * Revokes up to {@code bytes} of the reservation for a storage request that would otherwise
     * fail (see {@code Acquisition}): the buffer or index stays, its bytes are counted as
     * unreserved. Runs on the requester's thread and takes no lock but the manager's, so it cannot
     * deadlock with the owner, whatever the owner holds.
     */
    @Override
    public long spill(long bytes, MemoryConsumer trigger) {
        if (trigger.pool() != PoolKind.STORAGE) {
            return 0;
        }
        long revoked = client().manager().releaseUpTo(this, bytes);
        if (revoked > 0) {
            client().manager().stats().recordUnreserved(revoked);
        }
        return revoked;
    }

    /** Gives everything back and unregisters. */
    @Override
    public void close() {
        client().manager().unregisterRevocable(this);
        client().manager().releaseUpTo(this, Long.MAX_VALUE);
        super.close();
    }
}
