package dev.spillway.backend.memory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One memory request that free memory could not satisfy: runs the acquire path and, if every step
 * fails, builds the error that says what was tried.
 *
 * <pre>
 *   1. free memory                      (UnifiedMemoryManager#tryAcquire)
 *   2. evict storage of the whole slot, largest consumer first;
 *        for an execution request only the storage above the floor
 *   3. spill the client's other consumers of the same pool (execution only):
 *        the smallest that covers the need, else the largest (Spark's TaskMemoryManager)
 *   4. spill the requester itself
 *   4b. storage only: revoke reservations (MemoryReservation), largest first
 *   5. victims passed over because their backend was busy in a request on another thread:
 *        wait, bounded, for those requests to end, then retry 1-5
 *   6. execution below 1/2N of its reachable memory: wait, bounded, for releases, then retry 1-5
 *   7. SpillwayMemoryException naming the pools, the sizes and what was freed
 * </pre>
 *
 * <p>Steps 2 and 3 are skipped when the request is blocked by the requester's 1/N cap rather than
 * by free memory: other consumers' memory cannot lift a cap, so evicting it would write state to
 * disk for nothing. Spills run without any lock of the manager held (see {@link MemoryConsumer} for
 * the thread contract); after every spill that freed something the request is retried, since
 * another thread may have raced for the freed bytes. Each victim is asked at most once per round; a
 * round that freed memory but lost it to other threads is retried (a bounded number of times).
 */
final class Acquisition {

    /**
     * Rounds retried because concurrent requests took the memory this one freed. Each lost race
     * means another request was served, so this bound is only reached under sustained contention.
     */
    private static final int MAX_ROUNDS_AFTER_LOST_RACES = 16;

    private final MemoryClient client;
    private final UnifiedMemoryManager manager;
    private final MemoryConsumer requester;
    private final long bytes;

    private long evicted;
    private long spilledByOthers;
    private long spilledBySelf;
    private int victimsAsked;
    private Exception spillFailure;

    /** Clients whose consumers were passed over this round because they were busy. */
    private Set<MemoryClient> busyClients = new HashSet<>();

    Acquisition(MemoryClient client, MemoryConsumer requester, long bytes) {
        this.client = client;
        this.manager = client.manager();
        this.requester = requester;
        this.bytes = bytes;
    }

    void run() {
        if (bytes > manager.budget()) {
            manager.stats().recordFailure();
            throw new SpillwayMemoryException(
                    cannotAcquire()
                            + "the request is larger than the whole budget of "
                            + manager.budget()
                            + " bytes, so nothing was spilled for it.");
        }
        boolean execution = requester.pool() == PoolKind.EXECUTION;
        long deadline = System.nanoTime() + manager.settings().executionWaitTimeout().toNanos();
        if (execution) {
            manager.beginExecutionRequest(requester);
        }
        try {
            int rounds = 0;
            while (true) {
                long freedBefore = freed();
                if (manager.tryAcquire(requester, bytes)) {
                    return;
                }
                if (manager.fairShareExcess(requester, bytes) == 0) {
                    if (evictStorage(execution)) {
                        return;
                    }
                    if (execution && spillOtherConsumers()) {
                        return;
                    }
                }
                if (spillSelf()) {
                    return;
                }
                if (!execution && revokeReservations()) {
                    return;
                }
                if (freedInRound(freedBefore) && ++rounds < MAX_ROUNDS_AFTER_LOST_RACES) {
                    continue; // another thread took what was freed: try again
                }
                if (!busyClients.isEmpty()) {
                    Set<MemoryClient> busy = busyClients;
                    busyClients = new HashSet<>();
                    if (manager.awaitBusyClients(client, busy, deadline)) {
                        continue;
                    }
                }
                if (!execution || !manager.awaitRelease(requester, bytes, deadline)) {
                    manager.stats().recordFailure();
                    throw failure();
                }
            }
        } finally {
            if (execution) {
                manager.endExecutionRequest(requester);
            }
        }
    }

    private long freed() {
        return evicted + spilledByOthers + spilledBySelf;
    }

    private boolean freedInRound(long freedBefore) {
        return freed() > freedBefore;
    }

    private boolean evictStorage(boolean execution) {
        for (MemoryConsumer victim : manager.evictionCandidates(requester)) {
            long wanted = manager.shortfall(bytes);
            if (execution) {
                wanted = Math.min(wanted, manager.reclaimableStorage());
            }
            if (wanted <= 0) {
                return manager.tryAcquire(requester, bytes);
            }
            long freed = spill(victim, wanted);
            if (freed > 0) {
                evicted += freed;
                manager.stats().recordEviction(freed);
                if (execution) {
                    manager.stats().recordEvictionForExecution(freed);
                }
                if (manager.tryAcquire(requester, bytes)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean spillOtherConsumers() {
        List<MemoryConsumer> candidates = client.spillCandidates(requester);
        while (!candidates.isEmpty()) {
            long wanted = manager.shortfall(bytes);
            if (wanted <= 0) {
                return manager.tryAcquire(requester, bytes);
            }
            MemoryConsumer victim = smallestCoveringElseLargest(candidates, wanted);
            candidates.remove(victim);
            long freed = spill(victim, wanted);
            if (freed > 0) {
                spilledByOthers += freed;
                manager.stats().recordSpill(freed);
                if (manager.tryAcquire(requester, bytes)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A storage request that nothing else could serve (the requester's own pages pinned by
     * snapshot views or a frozen write, or held as an index that cannot be evicted) revokes
     * reservations, largest first: a state write must not fail for the accounting of buffers
     * whose work goes on anyway. Revoking takes no lock but the manager's.
     */
    private boolean revokeReservations() {
        for (MemoryReservation reservation : manager.revocationCandidates()) {
            long wanted = manager.shortfall(bytes);
            if (wanted <= 0) {
                break;
            }
            spilledByOthers += reservation.yieldUnreserved(wanted);
        }
        return manager.tryAcquire(requester, bytes);
    }

    private boolean spillSelf() {
        long wanted = Math.max(manager.shortfall(bytes), manager.fairShareExcess(requester, bytes));
        if (requester.getUsed() == 0 || wanted <= 0) {
            return manager.tryAcquire(requester, bytes);
        }
        long freed = spill(requester, wanted);
        if (freed > 0) {
            spilledBySelf += freed;
            if (requester.pool() == PoolKind.STORAGE) {
                manager.stats().recordEviction(freed);
            } else {
                manager.stats().recordSpill(freed);
            }
        }
        return manager.tryAcquire(requester, bytes);
    }

    /**
     * Passes over a victim whose client is inside a memory request on another thread: that thread
     * may hold the lock the victim's spill needs. The request waits for such clients after its
     * round (see {@link UnifiedMemoryManager#awaitBusyClients}).
     */
    private boolean passOverIfBusy(MemoryConsumer victim) {
        if (victim.client().isBusyOnAnotherThread()) {
            busyClients.add(victim.client());
            return true;
        }
        return false;
    }

    /**
     * Spark's choice: the consumer holding the least memory that alone covers the need, so that the
     * fewest bytes are written out; if none can, the largest, to free the most with one spill.
     */
    static MemoryConsumer smallestCoveringElseLargest(
            List<MemoryConsumer> candidates, long needed) {
        MemoryConsumer smallestCovering = null;
        MemoryConsumer largest = null;
        for (MemoryConsumer candidate : candidates) {
            long used = candidate.getUsed();
            if (used >= needed && (smallestCovering == null || used < smallestCovering.getUsed())) {
                smallestCovering = candidate;
            }
            if (largest == null || used > largest.getUsed()) {
                largest = candidate;
            }
        }
        return smallestCovering != null ? smallestCovering : largest;
    }

    /**
     * Runs one spill with the victim claimed for this thread. A spill that fails to write (an
     * {@link IOException}) or cannot get the memory it writes with (a nested {@link
     * SpillwayMemoryException}) frees nothing and keeps its data; the request goes on to the next
     * victim and reports the failure only if it fails too. Any other exception is a bug in the
     * consumer and propagates.
     */
    private long spill(MemoryConsumer victim, long wanted) {
        boolean self = victim == requester;
        if (!self && passOverIfBusy(victim)) {
            return 0;
        }
        if (!self && victim.isSpilling()) {
            return 0; // another thread is already spilling it
        }
        victim.beginSpill();
        try {
            // Checked again after marking the victim: its owner, if it starts a memory request
            // now, either sees our mark (and will not wait for us) or we see its request.
            if (!self && passOverIfBusy(victim)) {
                return 0;
            }
            victimsAsked++;
            long freed = victim.spill(wanted, requester);
            if (freed < 0) {
                throw new IllegalStateException(
                        "Consumer '" + victim.name() + "' returned " + freed + " from spill()");
            }
            return freed;
        } catch (IOException | SpillwayMemoryException e) {
            if (spillFailure == null) {
                spillFailure = e;
            } else if (spillFailure != e) {
                spillFailure.addSuppressed(e);
            }
            return 0;
        } finally {
            victim.endSpill();
        }
    }

    private SpillwayMemoryException failure() {
        List<String> tried = new ArrayList<>();
        tried.add("evicted " + evicted + " bytes of storage");
        if (requester.pool() == PoolKind.EXECUTION) {
            tried.add("spilled " + spilledByOthers + " bytes of other consumers");
        }
        tried.add("spilled " + spilledBySelf + " bytes of itself");
        tried.add(victimsAsked + " spill calls");
        String message =
                cannotAcquire()
                        + manager.describe(requester)
                        + ". Tried: "
                        + String.join(", ", tried)
                        + (spillFailure != null ? "; a spill failed: " + spillFailure : "")
                        + ". Give the state backend more managed memory"
                        + " (taskmanager.memory.managed.size / .fraction) or lower the number of"
                        + " state-heavy operators per slot.";
        return spillFailure != null
                ? new SpillwayMemoryException(message, spillFailure)
                : new SpillwayMemoryException(message);
    }

    private String cannotAcquire() {
        return "Cannot acquire "
                + bytes
                + " bytes of "
                + requester.pool()
                + " memory for consumer '"
                + requester.name()
                + "' of '"
                + client.name()
                + "': ";
    }
}
