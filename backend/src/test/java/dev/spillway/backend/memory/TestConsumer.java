package dev.spillway.backend.memory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A consumer for tests: holds pages and plain reservations, and on spill gives back whole pages
 * (oldest first) until the request is covered, as a memtable writing a run would.
 */
class TestConsumer extends MemoryConsumer {

    private final Deque<Page> pages = new ArrayDeque<>();
    private long reserved;
    private int spillCalls;
    private MemoryConsumer lastTrigger;
    private IOException spillFailure;
    private boolean spillable = true;
    private List<String> spillLog;

    TestConsumer(MemoryClient client, PoolKind pool, String name) {
        super(client, pool, name);
    }

    static TestConsumer execution(MemoryClient client, String name) {
        return new TestConsumer(client, PoolKind.EXECUTION, name);
    }

    static TestConsumer storage(MemoryClient client, String name) {
        return new TestConsumer(client, PoolKind.STORAGE, name);
    }

    synchronized void addPages(int count) {
        for (int i = 0; i < count; i++) {
            Page page = allocatePage();
            page.putLong(0, page.number());
            pages.addLast(page);
        }
    }

    synchronized void reserve(long bytes) {
        acquireMemory(bytes);
        reserved += bytes;
    }

    synchronized void freeAll() {
        while (!pages.isEmpty()) {
            freePage(pages.pollFirst());
        }
        if (reserved > 0) {
            releaseMemory(reserved);
            reserved = 0;
        }
    }

    synchronized void freePages(int count) {
        for (int i = 0; i < count && !pages.isEmpty(); i++) {
            Page page = pages.pollFirst();
            if (page.getLong(0) != page.number()) {
                throw new AssertionError("page content lost: " + page);
            }
            freePage(page);
        }
    }

    synchronized void releaseReserved(long bytes) {
        long released = Math.min(bytes, reserved);
        if (released > 0) {
            releaseMemory(released);
            reserved -= released;
        }
    }

    /** What the manager charges this consumer must be exactly what it holds. */
    synchronized void assertAccounting() {
        long held = reserved;
        for (Page page : pages) {
            held += page.size();
        }
        if (held != getUsed()) {
            throw new AssertionError(name() + " holds " + held + " but is charged " + getUsed());
        }
    }

    synchronized int pageCount() {
        return pages.size();
    }

    synchronized int spillCalls() {
        return spillCalls;
    }

    synchronized MemoryConsumer lastTrigger() {
        return lastTrigger;
    }

    /** A consumer that cannot write anything out: spill always returns 0. */
    synchronized TestConsumer unspillable() {
        spillable = false;
        return this;
    }

    /** Appends this consumer's name to {@code log} on every spill call. */
    synchronized TestConsumer logSpillsTo(List<String> log) {
        spillLog = log;
        return this;
    }

    synchronized void failNextSpill(IOException failure) {
        this.spillFailure = failure;
    }

    @Override
    public synchronized long spill(long bytes, MemoryConsumer trigger) throws IOException {
        spillCalls++;
        lastTrigger = trigger;
        if (spillLog != null) {
            spillLog.add(name());
        }
        if (!spillable) {
            return 0;
        }
        if (spillFailure != null) {
            IOException failure = spillFailure;
            spillFailure = null;
            throw failure;
        }
        long freed = 0;
        while (freed < bytes && !pages.isEmpty()) {
            Page page = pages.pollFirst();
            if (page.getLong(0) != page.number()) {
                throw new AssertionError("page content lost: " + page);
            }
            freed += page.size();
            freePage(page);
        }
        if (freed < bytes && reserved > 0) {
            long released = Math.min(reserved, bytes - freed);
            releaseMemory(released);
            reserved -= released;
            freed += released;
        }
        return freed;
    }
}
