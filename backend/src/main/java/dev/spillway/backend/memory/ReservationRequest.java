package dev.spillway.backend.memory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One growth of a {@link MemoryReservation}: the steps its class comment lists, in order. Unlike
 * an {@link Acquisition} it never spills the requester's own client's state, never fails, and
 * grants part of what was asked when that is all there is (Spark's partial grant).
 */
final class ReservationRequest {

    private final MemoryReservation reservation;
    private final MemoryClient client;
    private final UnifiedMemoryManager manager;
    private final long target;
    private final boolean reachCaches;
    private final boolean reachOtherBackends;
    private final boolean mayWait;
    private final boolean execution;

    ReservationRequest(
            MemoryReservation reservation,
            long target,
            boolean reachCaches,
            boolean reachOtherBackends,
            boolean mayWait) {
        this.reservation = reservation;
        this.client = reservation.client();
        this.manager = client.manager();
        this.target = target;
        this.reachCaches = reachCaches || reachOtherBackends;
        this.reachOtherBackends = reachOtherBackends;
        this.mayWait = mayWait;
        this.execution = reservation.pool() == PoolKind.EXECUTION;
    }

    void run() {
        long deadline =
                System.nanoTime()
                        + (mayWait ? manager.settings().executionWaitTimeout().toNanos() : 0);
        if (execution) {
            // Counts the reservation among the N active execution consumers while it asks.
            manager.beginExecutionRequest(reservation);
        }
        try {
            while (true) {
                long wanted = target - reservation.getUsed();
                if (wanted <= 0) {
                    return;
                }
                // What the 1/N cap still lets it take: no eviction beyond that helps.
                long room = wanted - manager.fairShareExcess(reservation, wanted);
                if (reachCaches && room > 0 && manager.shortfall(room) > 0) {
                    makeRoom(room);
                }
                manager.tryAcquireUpTo(reservation, wanted);
                if (reservation.getUsed() >= target || !mayWait || !execution) {
                    return;
                }
                // Below 1/2N while others hold execution memory: wait for them (Spark's fairness).
                if (!manager.awaitFairShare(
                        reservation, target - reservation.getUsed(), deadline)) {
                    return;
                }
            }
        } finally {
            if (execution) {
                manager.endExecutionRequest(reservation);
            }
        }
    }

    /** Steps 2 and 3: cached copies first, then other backends' state; storage above the floor. */
    private void makeRoom(long room) {
        List<MemoryConsumer> caches = new ArrayList<>();
        List<MemoryConsumer> state = new ArrayList<>();
        for (MemoryConsumer victim : manager.evictionCandidates(reservation)) {
            if (victim.dropsWithoutWriting()) {
                caches.add(victim);
            } else if (reachOtherBackends && victim.client() != client) {
                state.add(victim);
            }
        }
        caches.addAll(state); // largest first within each group
        for (MemoryConsumer victim : caches) {
            long need = manager.shortfall(room);
            if (execution) {
                need = Math.min(need, manager.reclaimableStorage());
            }
            if (need <= 0) {
                return;
            }
            long freed = spill(victim, need);
            if (freed > 0) {
                manager.stats().recordEviction(freed);
                if (execution) {
                    manager.stats().recordEvictionForExecution(freed);
                }
            }
        }
    }

    /**
     * Asks one victim, with {@link Acquisition}'s rules for other threads: a victim already being
     * spilled is left to that thread, and state whose backend is inside a memory request on
     * another thread is passed over (that thread may hold the lock its eviction needs), checked
     * again after the victim is marked. Caches take no such lock. Never waits for a busy backend:
     * the reservation simply proceeds with less. A failed eviction frees nothing and keeps its
     * state; the reservation does not report it (the victim's own requests will).
     */
    private long spill(MemoryConsumer victim, long need) {
        boolean cache = victim.dropsWithoutWriting();
        if (victim.isSpilling() || (!cache && victim.client().isBusyOnAnotherThread())) {
            return 0;
        }
        victim.beginSpill();
        try {
            if (!cache && victim.client().isBusyOnAnotherThread()) {
                return 0;
            }
            return Math.max(0, victim.spill(need, reservation));
        } catch (IOException | SpillwayMemoryException e) {
            return 0;
        } finally {
            victim.endSpill();
        }
    }
}
