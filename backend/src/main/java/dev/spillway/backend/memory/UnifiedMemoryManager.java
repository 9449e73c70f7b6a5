package dev.spillway.backend.memory;

import org.apache.flink.runtime.memory.MemoryManager;
import org.apache.flink.runtime.memory.OpaqueMemoryResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The memory budget of one Flink slot, split into an execution pool and a storage pool with Spark's
 * unified memory rules. One instance per slot is shared by every Spillway keyed backend in it, each
 * through its own {@link MemoryClient}.
 *
 * <pre>
 *  budget (the slot's managed memory share for the state backend)
 *  |&lt;---------------------------------------------------------------------&gt;|
 *  |   execution region                 |   storage region (floor)          |
 *  |&lt;-- budget * (1 - storageFraction) -&gt;|&lt;----- budget * storageFraction --&gt;|
 *  +------------------------------------+-----------------------------------+
 *  | exec used |  free                  |  storage used                      |
 *  +------------------------------------+-----------------------------------+
 *               &lt;--- storage borrows only FREE execution memory ---
 *               --- execution evicts storage, but only above the floor ---&gt;
 * </pre>
 *
 * <p><b>Rules</b> (Spark's {@code UnifiedMemoryManager}, {@code ExecutionMemoryPool}, {@code
 * StorageMemoryPool}):
 *
 * <ul>
 *   <li>{@code executionUsed + storageUsed <= budget}, always.
 *   <li>Storage may grow into any free memory, including the execution region ("borrowing"), but
 *       never takes memory execution holds.
 *   <li>Execution may take any free memory and reclaim storage by asking storage consumers to
 *       evict, but only the storage above the floor {@code budget * storageFraction}.
 *   <li>Fairness: with N active execution consumers, each may hold at most {@code 1/N} of the
 *       memory execution can reach ({@code budget - min(storageUsed, floor)}); a consumer below
 *       {@code 1/2N} whose request cannot be met waits (bounded by the execution wait timeout) for
 *       others to release instead of failing.
 * </ul>
 *
 * <p>Unlike Spark, pool sizes are not stored but derived from what each pool uses: every grant
 * decision only depends on the used amounts, the budget and the floor, so a stored boundary would
 * only be a second copy of the same information. {@link #storagePoolSize()} and {@link
 * #executionPoolSize()} report the boundary in Spark's terms.
 *
 * <p><b>Locking.</b> One private lock guards the counters; it is held only for arithmetic and never
 * while calling a consumer's {@code spill}, so consumers may lock freely inside spill. The acquire
 * path that runs spills lives in {@link Acquisition}.
 */
public final class UnifiedMemoryManager implements AutoCloseable {

    /** The id under which the slot's Flink {@link MemoryManager} shares one instance. */
    public static final String SLOT_RESOURCE_ID = "spillway-managed-memory";

    private static final Logger LOG = LoggerFactory.getLogger(UnifiedMemoryManager.class);

    private final long budget;
    private final long storageFloor;
    private final MemorySettings settings;
    private final PagePool pagePool;
    private final MemoryStats stats = new MemoryStats();

    private final Object lock = new Object();

    // Guarded by lock.
    private long executionUsed;
    private long storageUsed;
    private long executionPeak;
    private final Set<MemoryConsumer> activeExecutionConsumers = new HashSet<>();
    private int waiters;
    private boolean closed;

    private final Set<MemoryConsumer> storageConsumers = ConcurrentHashMap.newKeySet();
    private final Set<MemoryReservation> reservations = ConcurrentHashMap.newKeySet();
    private final Set<MemoryClient> clients = ConcurrentHashMap.newKeySet();

    /** A fixed budget with default settings, for tests and benchmarks. */
    public UnifiedMemoryManager(long budgetBytes) {
        this(budgetBytes, MemorySettings.defaults());
    }

    /**
     * A fixed budget; in a TaskManager use {@link #openSlotClient} instead, which takes the budget
     * from the slot's managed memory.
     *
     * @throws SpillwayMemoryException if the budget cannot hold a single page
     */
    public UnifiedMemoryManager(long budgetBytes, MemorySettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (budgetBytes < settings.pageSize()) {
            throw new SpillwayMemoryException(
                    "Spillway's memory budget of "
                            + budgetBytes
                            + " bytes cannot hold a single page of "
                            + settings.pageSize()
                            + " bytes. The budget is the slot's managed memory share for the state"
                            + " backend: raise taskmanager.memory.managed.size (or .fraction), keep"
                            + " STATE_BACKEND in taskmanager.memory.managed.consumer-weights, or"
                            + " lower spillway.memory.page-size.");
        }
        this.budget = budgetBytes;
        this.storageFloor = (long) (budgetBytes * settings.storageFraction());
        this.pagePool = new PagePool(settings.pageSize());
    }

    /**
     * Opens a memory client of the slot-shared manager, creating the manager on first use.
     *
     * <p>The budget is reserved from the slot's Flink {@link MemoryManager} exactly as the RocksDB
     * backend sizes its shared cache: {@code getSharedMemoryResourceForManagedMemory} reserves
     * {@code managedMemoryFraction} of the slot's managed memory once, hands the same manager to
     * every keyed backend of the slot, and closes it (returning the reservation) when the last
     * lease is released. The returned client holds one lease: closing it (on backend dispose)
     * releases the lease. The first backend's settings size the shared manager.
     *
     * @param slotMemoryManager {@code Environment#getMemoryManager()} of the task
     * @param managedMemoryFraction the state backend's managed memory fraction for the operator
     * @param settings the tunables from the configuration
     * @param clientName names the keyed backend in logs and errors (e.g. the operator identifier)
     * @throws SpillwayMemoryException if the slot's managed memory cannot supply the budget
     */
    public static MemoryClient openSlotClient(
            MemoryManager slotMemoryManager,
            double managedMemoryFraction,
            MemorySettings settings,
            String clientName) {
        OpaqueMemoryResource<UnifiedMemoryManager> lease;
        try {
            lease =
                    slotMemoryManager.getSharedMemoryResourceForManagedMemory(
                            SLOT_RESOURCE_ID,
                            size -> new UnifiedMemoryManager(size, settings),
                            managedMemoryFraction);
        } catch (SpillwayMemoryException e) {
            throw e;
        } catch (Exception e) {
            throw new SpillwayMemoryException(
                    "Could not reserve Spillway's memory budget ("
                            + managedMemoryFraction
                            + " of the slot's "
                            + slotMemoryManager.getMemorySize()
                            + " bytes of managed memory, "
                            + slotMemoryManager.availableMemory()
                            + " bytes still available). Give the state backend more managed memory"
                            + " (taskmanager.memory.managed.size / .fraction / .consumer-weights).",
                    e);
        }
        UnifiedMemoryManager shared = lease.getResourceHandle();
        if (!shared.settings().equals(settings)) {
            LOG.warn(
                    "Keyed backend '{}' asked for {} but shares the slot's memory manager created"
                            + " with {}; the first backend of a slot sets the memory options.",
                    clientName,
                    settings,
                    shared.settings());
        }
        try {
            return shared.newClient(clientName, lease::close);
        } catch (RuntimeException e) {
            try {
                lease.close();
            } catch (Exception closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** Opens a client for one keyed backend; closing it returns everything it still holds. */
    public MemoryClient newClient(String name) {
        return newClient(name, null);
    }

    MemoryClient newClient(String name, AutoCloseable onClose) {
        synchronized (lock) {
            checkOpen();
            MemoryClient client = new MemoryClient(this, name, onClose);
            clients.add(client);
            return client;
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Sizes, for metrics, tests and error messages
    // ------------------------------------------------------------------------------------------

    public long budget() {
        return budget;
    }

    /** The storage bytes execution cannot reclaim: {@code budget * storageFraction}. */
    public long storageFloor() {
        return storageFloor;
    }

    public MemorySettings settings() {
        return settings;
    }

    public int pageSize() {
        return settings.pageSize();
    }

    public long executionUsed() {
        synchronized (lock) {
            return executionUsed;
        }
    }

    public long storageUsed() {
        synchronized (lock) {
            return storageUsed;
        }
    }

    /** The most execution memory held at once since the manager opened. */
    public long executionPeak() {
        synchronized (lock) {
            return executionPeak;
        }
    }

    /** Bytes of both pools held as off-heap pages. */
    public long offHeapUsed() {
        return pagePool.bytesInUse();
    }

    /**
     * Bytes of both pools held as plain reservations: on-heap arrays (the memtable index, run
     * indexes and bloom filters, cached blocks, sort and writer buffers) and the direct read-ahead
     * buffers of merges, charged to the same budget as the pages. Read without a common lock with
     * {@link #offHeapUsed()}, so a gauge may be off by a page for a moment.
     */
    public long onHeapUsed() {
        return Math.max(0, usedMemory() - pagePool.bytesInUse());
    }

    /** Bytes held by both pools, read atomically. */
    public long usedMemory() {
        synchronized (lock) {
            return executionUsed + storageUsed;
        }
    }

    public long freeMemory() {
        synchronized (lock) {
            return budget - executionUsed - storageUsed;
        }
    }

    /** Storage bytes held beyond the floor, i.e. borrowed from the execution region. */
    public long storageBorrowed() {
        synchronized (lock) {
            return Math.max(0, storageUsed - storageFloor);
        }
    }

    /** Execution bytes held inside the storage region (free storage memory execution took). */
    public long executionBorrowed() {
        synchronized (lock) {
            return Math.max(0, executionUsed - (budget - storageFloor));
        }
    }

    /** The storage pool in Spark's terms: its region plus what it borrowed, minus what was lent. */
    public long storagePoolSize() {
        synchronized (lock) {
            return storageFloor
                    + Math.max(0, storageUsed - storageFloor)
                    - Math.max(0, executionUsed - (budget - storageFloor));
        }
    }

    /** The execution pool in Spark's terms: the budget minus {@link #storagePoolSize()}. */
    public long executionPoolSize() {
        return budget - storagePoolSize();
    }

    /** Execution requests currently waiting for their fair share. */
    int waitingRequests() {
        synchronized (lock) {
            return waiters;
        }
    }

    /** Pages handed out by all clients and not yet freed. */
    public int pagesInUse() {
        return pagePool.pagesInUse();
    }

    /**
     * Closes the manager: closes clients still open (reporting their leaks) and frees the pooled
     * page memory. Called by Flink when the last lease of the slot's shared instance is released.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        RuntimeException failure = null;
        for (MemoryClient client : new ArrayList<>(clients)) {
            LOG.error(
                    "Memory client '{}' was still open when its memory manager closed.",
                    client.name());
            try {
                client.close();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        pagePool.close();
        if (failure != null) {
            throw failure;
        }
    }

    // ------------------------------------------------------------------------------------------
    //  Accounting, for the memory package
    // ------------------------------------------------------------------------------------------

    PagePool pagePool() {
        return pagePool;
    }

    MemoryStats stats() {
        return stats;
    }

    void clientClosed(MemoryClient client) {
        clients.remove(client);
    }

    void registerReservation(MemoryReservation reservation) {
        reservations.add(reservation);
    }

    void unregisterReservation(MemoryReservation reservation) {
        reservations.remove(reservation);
    }

    /** Reservations of the slot that hold memory, largest first. */
    List<MemoryReservation> revocationCandidates() {
        List<MemoryReservation> candidates = new ArrayList<>();
        for (MemoryReservation reservation : reservations) {
            if (reservation.getUsed() > 0) {
                candidates.add(reservation);
            }
        }
        candidates.sort(Comparator.comparingLong(MemoryReservation::getUsed).reversed());
        return candidates;
    }

    /**
     * Releases up to {@code bytes} of what the consumer holds, atomically (a reservation's owner
     * and a revoking request may release at once); returns the bytes released.
     */
    long releaseUpTo(MemoryConsumer consumer, long bytes) {
        synchronized (lock) {
            long released = Math.min(bytes, consumer.getUsed());
            if (released > 0) {
                release(consumer, released);
            }
            return released;
        }
    }

    void registerStorageConsumer(MemoryConsumer consumer) {
        storageConsumers.add(consumer);
    }

    void unregisterStorageConsumer(MemoryConsumer consumer) {
        storageConsumers.remove(consumer);
    }

    /**
     * Grants {@code bytes} to the consumer if free memory (and, for execution, its fair share)
     * allows; all or nothing, never blocks, never spills.
     */
    boolean tryAcquire(MemoryConsumer consumer, long bytes) {
        synchronized (lock) {
            checkOpen();
            if (!canGrant(consumer, bytes)) {
                return false;
            }
            grant(consumer, bytes);
            return true;
        }
    }

    /**
     * Grants as much of {@code bytes} as free memory and, for execution, the consumer's 1/N cap
     * allow, possibly nothing (Spark's partial grant); never blocks, never spills. Returns the
     * bytes granted.
     */
    long tryAcquireUpTo(MemoryConsumer consumer, long bytes) {
        synchronized (lock) {
            checkOpen();
            long granted = Math.min(bytes, budget - executionUsed - storageUsed);
            if (consumer.pool() == PoolKind.EXECUTION) {
                granted = Math.min(granted, maxPerExecutionConsumer(consumer) - consumer.getUsed());
            }
            if (granted <= 0) {
                return 0;
            }
            grant(consumer, granted);
            return granted;
        }
    }

    private void grant(MemoryConsumer consumer, long bytes) {
        if (consumer.pool() == PoolKind.EXECUTION) {
            if (activeExecutionConsumers.add(consumer)) {
                wakeWaiters();
            }
            executionUsed += bytes;
            executionPeak = Math.max(executionPeak, executionUsed);
        } else {
            storageUsed += bytes;
        }
        consumer.addUsed(bytes);
    }

    void release(MemoryConsumer consumer, long bytes) {
        synchronized (lock) {
            if (bytes > consumer.getUsed()) {
                throw new IllegalStateException(
                        "Consumer '"
                                + consumer.name()
                                + "' released "
                                + bytes
                                + " bytes but holds only "
                                + consumer.getUsed());
            }
            consumer.addUsed(-bytes);
            if (consumer.pool() == PoolKind.EXECUTION) {
                executionUsed -= bytes;
                deactivateIfIdle(consumer);
            } else {
                storageUsed -= bytes;
            }
            wakeWaiters();
        }
    }

    /** Bytes of free memory missing for a request of {@code bytes}; 0 if there is enough. */
    long shortfall(long bytes) {
        synchronized (lock) {
            return Math.max(0, bytes - (budget - executionUsed - storageUsed));
        }
    }

    /** Storage bytes an execution request may have evicted: those above the floor. */
    long reclaimableStorage() {
        synchronized (lock) {
            return Math.max(0, storageUsed - storageFloor);
        }
    }

    /**
     * Bytes by which an execution consumer would exceed its 1/N cap with this request; 0 if within
     * (and always 0 for storage). Spilling other consumers cannot cure an excess, only the
     * consumer's own spill can.
     */
    long fairShareExcess(MemoryConsumer consumer, long bytes) {
        if (consumer.pool() != PoolKind.EXECUTION) {
            return 0;
        }
        synchronized (lock) {
            return Math.max(0, consumer.getUsed() + bytes - maxPerExecutionConsumer(consumer));
        }
    }

    void beginExecutionRequest(MemoryConsumer consumer) {
        synchronized (lock) {
            consumer.adjustPendingRequests(1);
            if (activeExecutionConsumers.add(consumer)) {
                wakeWaiters();
            }
        }
    }

    void endExecutionRequest(MemoryConsumer consumer) {
        synchronized (lock) {
            consumer.adjustPendingRequests(-1);
            deactivateIfIdle(consumer);
        }
    }

    /**
     * Waits for other execution consumers to release memory, if the consumer is below its fair
     * minimum of 1/2N and waiting can help.
     *
     * @return true to retry the request (memory was released, or may have been), false if waiting
     *     is pointless or the deadline passed
     */
    boolean awaitRelease(MemoryConsumer consumer, long bytes, long deadlineNanos) {
        synchronized (lock) {
            if (canGrant(consumer, bytes)) {
                return true;
            }
            long held = consumer.getUsed();
            long minimum = maxExecutionMemory() / (2L * activeExecutionCount(consumer));
            boolean othersHoldExecutionMemory = executionUsed - held > 0;
            long remaining = deadlineNanos - System.nanoTime();
            if (held >= minimum || !othersHoldExecutionMemory || remaining <= 0) {
                return false;
            }
            try {
                waitForRelease(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SpillwayMemoryException(
                        "Interrupted while consumer '"
                                + consumer.name()
                                + "' waited for execution memory",
                        e);
            }
            return true;
        }
    }

    /** Waits on the lock (held by the caller) for a release, counted as a waiter and in the stats. */
    private void waitForRelease(long remainingNanos) throws InterruptedException {
        long start = System.nanoTime();
        waiters++;
        try {
            TimeUnit.NANOSECONDS.timedWait(lock, remainingNanos);
        } finally {
            waiters--;
            stats.recordWait(System.nanoTime() - start);
        }
    }

    /**
     * For a {@link MemoryReservation} below its fair minimum of 1/2N: waits for other execution
     * consumers to release, but only when that can help and cannot stall: what the others hold
     * plus what is free must cover the way to the minimum (a reservation never evicts its own
     * backend's state, so storage may be what stands in the way, and no release lifts that), and no
     * other request may be waiting already (two reservations that each hold part of what the other
     * needs would otherwise wait for each other until the timeout).
     *
     * @return true to retry (memory was, or may have been, released); false to go on with less
     */
    boolean awaitFairShare(MemoryConsumer consumer, long bytes, long deadlineNanos) {
        synchronized (lock) {
            if (canGrant(consumer, bytes)) {
                return true;
            }
            long held = consumer.getUsed();
            long minimum = maxExecutionMemory() / (2L * activeExecutionCount(consumer));
            long others = executionUsed - held;
            long free = budget - executionUsed - storageUsed;
            long remaining = deadlineNanos - System.nanoTime();
            if (held >= minimum
                    || others <= 0
                    || free + others < minimum - held
                    || waiters > 0
                    || remaining <= 0) {
                return false;
            }
            try {
                waitForRelease(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            return true;
        }
    }

    /**
     * Waits until none of {@code busy} is inside a memory request on another thread any more, so
     * that their consumers can be spilled, unless waiting could close a cycle of waits:
     *
     * <ul>
     *   <li>a consumer of the requester's own client is being spilled by another thread: that
     *       thread may be blocked on a lock the requester holds, and its client may be one we would
     *       wait for;
     *   <li>one of the busy clients is itself waiting for other clients: the requester marks itself
     *       waiting before it checks the others, so in any would-be cycle the last thread to check
     *       sees the mark of the next and backs off.
     * </ul>
     *
     * @return true to retry the request; false if waiting is not safe or the deadline passed
     */
    boolean awaitBusyClients(MemoryClient requester, Set<MemoryClient> busy, long deadlineNanos) {
        requester.beginWaitingForOtherClients();
        try {
            if (requester.hasConsumerSpilledByAnotherThread()) {
                return false;
            }
            for (MemoryClient other : busy) {
                if (other.isWaitingForOtherClients()) {
                    return false;
                }
            }
            synchronized (lock) {
                long start = System.nanoTime();
                waiters++;
                try {
                    while (anyBusyOnAnotherThread(busy)) {
                        long remaining = deadlineNanos - System.nanoTime();
                        if (remaining <= 0) {
                            return false;
                        }
                        TimeUnit.NANOSECONDS.timedWait(lock, remaining);
                    }
                    return true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SpillwayMemoryException(
                            "Interrupted while memory client '"
                                    + requester.name()
                                    + "' waited for other backends to finish their memory requests",
                            e);
                } finally {
                    waiters--;
                    stats.recordWait(System.nanoTime() - start);
                }
            }
        } finally {
            requester.endWaitingForOtherClients();
        }
    }

    /** Called when a slow-path request ends: requests waiting for its client may go on. */
    void requestEnded() {
        synchronized (lock) {
            wakeWaiters();
        }
    }

    /** Storage consumers of the slot that may be asked to evict, largest first. */
    List<MemoryConsumer> evictionCandidates(MemoryConsumer requester) {
        List<MemoryConsumer> candidates = new ArrayList<>();
        for (MemoryConsumer consumer : storageConsumers) {
            // A reservation's memory is in use by its owner and cannot be given back on request.
            if (consumer != requester
                    && consumer.getUsed() > 0
                    && !(consumer instanceof MemoryReservation)) {
                candidates.add(consumer);
            }
        }
        candidates.sort(Comparator.comparingLong(MemoryConsumer::getUsed).reversed());
        return candidates;
    }

    /** The pool state for error messages, as seen by {@code consumer}. */
    String describe(MemoryConsumer consumer) {
        synchronized (lock) {
            StringBuilder text =
                    new StringBuilder()
                            .append("budget ")
                            .append(budget)
                            .append(" bytes; execution pool: ")
                            .append(executionUsed)
                            .append(" used of ")
                            .append(budget - storagePoolSizeLocked())
                            .append("; storage pool: ")
                            .append(storageUsed)
                            .append(" used of ")
                            .append(storagePoolSizeLocked())
                            .append(" (protected floor ")
                            .append(storageFloor)
                            .append("); free ")
                            .append(budget - executionUsed - storageUsed)
                            .append("; consumer '")
                            .append(consumer.name())
                            .append("' holds ")
                            .append(consumer.getUsed());
            if (consumer.pool() == PoolKind.EXECUTION) {
                int active = activeExecutionCount(consumer);
                long max = maxExecutionMemory() / active;
                text.append(" (fair share with ")
                        .append(active)
                        .append(" active execution consumers: ")
                        .append(max / 2)
                        .append("..")
                        .append(max)
                        .append(')');
            }
            return text.toString();
        }
    }

    // ------------------------------------------------------------------------------------------

    private static boolean anyBusyOnAnotherThread(Set<MemoryClient> clients) {
        for (MemoryClient client : clients) {
            if (client.isBusyOnAnotherThread()) {
                return true;
            }
        }
        return false;
    }

    private boolean canGrant(MemoryConsumer consumer, long bytes) {
        if (bytes > budget - executionUsed - storageUsed) {
            return false;
        }
        return consumer.pool() != PoolKind.EXECUTION
                || consumer.getUsed() + bytes <= maxPerExecutionConsumer(consumer);
    }

    private long maxPerExecutionConsumer(MemoryConsumer consumer) {
        return maxExecutionMemory() / activeExecutionCount(consumer);
    }

    /** What execution can reach: everything but the storage it may not reclaim (SPARK-12155). */
    private long maxExecutionMemory() {
        return budget - Math.min(storageUsed, storageFloor);
    }

    /** N, counting the consumer itself even before its first grant. */
    private int activeExecutionCount(MemoryConsumer consumer) {
        int active = activeExecutionConsumers.size();
        return activeExecutionConsumers.contains(consumer) ? active : active + 1;
    }

    private long storagePoolSizeLocked() {
        return storageFloor
                + Math.max(0, storageUsed - storageFloor)
                - Math.max(0, executionUsed - (budget - storageFloor));
    }

    private void deactivateIfIdle(MemoryConsumer consumer) {
        if (consumer.getUsed() == 0 && consumer.pendingRequests() == 0) {
            if (activeExecutionConsumers.remove(consumer)) {
                wakeWaiters();
            }
        }
    }

    private void wakeWaiters() {
        if (waiters > 0) {
            lock.notifyAll();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The memory manager is closed.");
        }
    }
}
