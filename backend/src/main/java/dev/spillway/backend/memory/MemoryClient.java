package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One keyed backend's window on the slot's {@link UnifiedMemoryManager} (Spark's
 * TaskMemoryManager): the registry of the backend's {@link MemoryConsumer}s, its page table, and
 * the resolution of 64-bit {@link PagePointer}s to pages.
 *
 * <p>Consumers allocate through their own methods ({@link MemoryConsumer#allocatePage()} etc.); the
 * client runs the acquire path ({@link Acquisition}) when free memory is not enough.
 *
 * <p><b>Leaks.</b> Closing the client with pages or reservations outstanding is a leak. The client
 * reclaims everything (so the slot's budget is not lost), logs an error naming each consumer and,
 * when {@link Page#BOUNDS_CHECKS} is on (always in tests), throws. Tests of other layers can also
 * call {@link #assertNoLeaks()} at any point.
 *
 * <p>All methods are thread-safe.
 */
public final class MemoryClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryClient.class);

    /** Whether a leak at close throws, on top of the logged error. */
    static final boolean STRICT_LEAK_CHECKS = Page.BOUNDS_CHECKS;

    private final UnifiedMemoryManager manager;
    private final String name;
    private final AutoCloseable onClose;
    private final PageTable pageTable = new PageTable();
    private final Set<MemoryConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Threads inside a slow-path request of this client, with their nesting depth. */
    private final Map<Thread, Integer> requestingThreads = new ConcurrentHashMap<>();

    /** Requests of this client waiting for other clients' requests to end. */
    private final AtomicInteger waitingForOtherClients = new AtomicInteger();

    MemoryClient(UnifiedMemoryManager manager, String name, AutoCloseable onClose) {
        this.manager = manager;
        this.name = Objects.requireNonNull(name, "name");
        this.onClose = onClose;
    }

    public String name() {
        return name;
    }

    public UnifiedMemoryManager manager() {
        return manager;
    }

    /** Size of a standard page in bytes. */
    public int pageSize() {
        return manager.pageSize();
    }

    /**
     * The live page a pointer addresses; combine with {@link PagePointer#offset(long)}.
     *
     * @throws IllegalStateException for a pointer to a freed or never allocated page (a dangling
     *     pointer); checked only when {@link Page#BOUNDS_CHECKS} is on, otherwise such a pointer
     *     may yield {@code null}
     */
    public Page page(long pointer) {
        Page page = pageTable.get(PagePointer.pageNumber(pointer));
        if (Page.BOUNDS_CHECKS && page == null) {
            throw new IllegalStateException(
                    "Dangling pointer "
                            + PagePointer.toString(pointer)
                            + ": no live page with that number in memory client '"
                            + name
                            + "'");
        }
        return page;
    }

    /** Pages of this client not yet freed. */
    public int pagesInUse() {
        return pageTable.live();
    }

    /** Bytes all consumers of this client hold. */
    public long usedBytes() {
        long total = 0;
        for (MemoryConsumer consumer : consumers) {
            total += consumer.getUsed();
        }
        return total;
    }

    /**
     * Fails if any consumer of this client holds memory or pages.
     *
     * @throws IllegalStateException naming each consumer and what it holds
     */
    public void assertNoLeaks() {
        String leaks = describeLeaks();
        if (!leaks.isEmpty()) {
            throw new IllegalStateException("Memory leak in client '" + name + "': " + leaks);
        }
    }

    /**
     * Closes the client: reclaims anything its consumers still hold (a leak, see the class
     * comment), then releases the slot lease if it holds one. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        String leaks = describeLeaks();
        for (MemoryConsumer consumer : new ArrayList<>(consumers)) {
            reclaim(consumer);
            consumers.remove(consumer);
            manager.unregisterStorageConsumer(consumer);
        }
        manager.clientClosed(this);
        try {
            if (onClose != null) {
                onClose.close();
            }
        } catch (Exception e) {
            throw new SpillwayMemoryException(
                    "Could not release the slot's managed memory lease of client '" + name + "'",
                    e);
        } finally {
            reportLeaks(leaks);
        }
    }

    @Override
    public String toString() {
        return "MemoryClient{" + name + ", " + pagesInUse() + " pages}";
    }

    // ------------------------------------------------------------------------------------------
    //  For MemoryConsumer and Acquisition
    // ------------------------------------------------------------------------------------------

    void register(MemoryConsumer consumer) {
        if (closed.get()) {
            throw new IllegalStateException("Memory client '" + name + "' is closed");
        }
        consumers.add(consumer);
        if (consumer.pool() == PoolKind.STORAGE) {
            manager.registerStorageConsumer(consumer);
        }
    }

    void unregister(MemoryConsumer consumer) {
        if (!consumers.remove(consumer)) {
            return;
        }
        manager.unregisterStorageConsumer(consumer);
        String leak = describeLeak(consumer);
        reclaim(consumer);
        reportLeaks(leak);
    }

    void acquire(MemoryConsumer consumer, long bytes) {
        checkOwnConsumer(consumer);
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be positive, was " + bytes);
        }
        if (consumer.isSpilledByCurrentThread()) {
            throw new IllegalStateException(
                    "Consumer '"
                            + consumer.name()
                            + "' tried to acquire "
                            + bytes
                            + " bytes from inside its own spill(); a spill may only free memory");
        }
        if (!manager.tryAcquire(consumer, bytes)) {
            Thread self = Thread.currentThread();
            requestingThreads.merge(self, 1, Integer::sum);
            try {
                new Acquisition(this, consumer, bytes).run();
            } finally {
                requestingThreads.computeIfPresent(
                        self, (thread, depth) -> depth == 1 ? null : depth - 1);
                manager.requestEnded();
            }
        }
    }

    // The three checks below keep cross-client spilling and waiting free of deadlock; see
    // "Threads and deadlock freedom" in Acquisition. They are all made on concurrent maps and
    // atomics, so two threads that check each other cannot both miss the other's mark.

    /**
     * Whether another thread is inside a slow-path memory request of this client. Such a thread may
     * hold the lock a spill of this client's consumers needs while it waits itself, so other
     * threads must not block in those spills.
     */
    boolean isBusyOnAnotherThread() {
        if (requestingThreads.isEmpty()) {
            return false;
        }
        Thread self = Thread.currentThread();
        for (Thread requesting : requestingThreads.keySet()) {
            if (requesting != self) {
                return true;
            }
        }
        return false;
    }

    /** Whether another thread runs, or waits to run, a spill of one of this client's consumers. */
    boolean hasConsumerSpilledByAnotherThread() {
        for (MemoryConsumer consumer : consumers) {
            if (consumer.isSpilledByAnotherThread()) {
                return true;
            }
        }
        return false;
    }

    boolean isWaitingForOtherClients() {
        return waitingForOtherClients.get() > 0;
    }

    void beginWaitingForOtherClients() {
        waitingForOtherClients.incrementAndGet();
    }

    void endWaitingForOtherClients() {
        waitingForOtherClients.decrementAndGet();
    }

    void release(MemoryConsumer consumer, long bytes) {
        checkOwnConsumer(consumer);
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be positive, was " + bytes);
        }
        manager.release(consumer, bytes);
    }

    Page allocatePage(MemoryConsumer consumer, int minimumBytes) {
        if (minimumBytes <= 0) {
            throw new IllegalArgumentException("page size must be positive, was " + minimumBytes);
        }
        int size = Math.max(pageSize(), minimumBytes);
        acquire(consumer, size);
        try {
            MemorySegment segment = manager.pagePool().take(size);
            return pageTable.install(segment, consumer);
        } catch (RuntimeException e) {
            manager.release(consumer, size);
            throw e;
        }
    }

    void freePage(MemoryConsumer consumer, Page page) {
        checkOwnConsumer(consumer);
        if (page.owner() != consumer) {
            throw new IllegalArgumentException(
                    page
                            + " belongs to consumer '"
                            + page.owner().name()
                            + "', not '"
                            + consumer.name()
                            + "'");
        }
        pageTable.remove(page);
        int size = page.size();
        manager.pagePool().give(page.segment());
        manager.release(consumer, size);
    }

    /** The client's other consumers of the requester's pool that hold memory. */
    List<MemoryConsumer> spillCandidates(MemoryConsumer requester) {
        List<MemoryConsumer> candidates = new ArrayList<>();
        for (MemoryConsumer consumer : consumers) {
            if (consumer != requester
                    && consumer.pool() == requester.pool()
                    && consumer.getUsed() > 0
                    && !(consumer instanceof MemoryReservation)) {
                candidates.add(consumer);
            }
        }
        return candidates;
    }

    // ------------------------------------------------------------------------------------------

    private void checkOwnConsumer(MemoryConsumer consumer) {
        if (consumer.client() != this) {
            throw new IllegalArgumentException(
                    "Consumer '" + consumer.name() + "' belongs to another memory client");
        }
    }

    /** Frees the consumer's pages and releases the rest of what it holds. */
    private void reclaim(MemoryConsumer consumer) {
        for (Page page : pageTable.pagesOf(consumer)) {
            freePage(consumer, page);
        }
        long rest = consumer.getUsed();
        if (rest > 0) {
            manager.release(consumer, rest);
        }
    }

    private String describeLeaks() {
        List<String> leaks = new ArrayList<>();
        for (MemoryConsumer consumer : consumers) {
            String leak = describeLeak(consumer);
            if (!leak.isEmpty()) {
                leaks.add(leak);
            }
        }
        return String.join("; ", leaks);
    }

    private String describeLeak(MemoryConsumer consumer) {
        long used = consumer.getUsed();
        if (used == 0) {
            return "";
        }
        return "consumer '"
                + consumer.name()
                + "' ("
                + consumer.pool()
                + ") holds "
                + used
                + " bytes in "
                + pageTable.pagesOf(consumer).size()
                + " pages";
    }

    private void reportLeaks(String leaks) {
        if (leaks.isEmpty()) {
            return;
        }
        LOG.error("Memory leak in client '{}', reclaimed: {}", name, leaks);
        if (STRICT_LEAK_CHECKS) {
            throw new IllegalStateException("Memory leak in client '" + name + "': " + leaks);
        }
    }
}
