package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;
import org.apache.flink.core.memory.MemorySegmentFactory;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Supplies the off-heap {@link MemorySegment}s behind pages and keeps freed standard-size segments
 * for reuse.
 *
 * <p><b>Why pool.</b> Segments come from {@link MemorySegmentFactory#allocateOffHeapUnsafeMemory},
 * i.e. {@code malloc} plus a cleaner object, and go back with {@code free}; a memtable that spills
 * and refills churns through thousands of pages. Reusing them turns allocate/free into a deque
 * operation (see {@code PageAllocationBenchmark}). Pooling never raises the physical footprint
 * above the budget: a segment is pooled only after it was accounted as a page, so pooled plus live
 * standard segments never exceed the peak page usage, which the manager bounds by the budget, and
 * the whole budget is reserved from Flink's managed memory up front anyway. Oversized pages (one
 * big record) are not pooled: they are rare and would pin memory of an unusual size.
 *
 * <p>Page contents are undefined on allocation (neither {@code malloc} nor reuse clears them).
 */
final class PagePool {

    private final int pageSize;
    private final ArrayDeque<MemorySegment> idle = new ArrayDeque<>();
    private final AtomicInteger pagesInUse = new AtomicInteger();
    /** Bytes of the segments handed out: the off-heap part of what the pools hold. */
    private final AtomicLong bytesInUse = new AtomicLong();
    private boolean closed;

    PagePool(int pageSize) {
        this.pageSize = pageSize;
    }

    /** A segment of exactly {@code size} bytes; the caller already accounted for it. */
    MemorySegment take(int size) {
        pagesInUse.incrementAndGet();
        bytesInUse.addAndGet(size);
        if (size == pageSize) {
            synchronized (this) {
                MemorySegment reused = idle.pollFirst();
                if (reused != null) {
                    return reused;
                }
            }
        }
        try {
            return MemorySegmentFactory.allocateOffHeapUnsafeMemory(size);
        } catch (OutOfMemoryError e) {
            // Native malloc failed although the budget allowed the page: the process is short of
            // memory outside Flink's accounting. Report it as ours instead of killing the task.
            pagesInUse.decrementAndGet();
            bytesInUse.addAndGet(-size);
            throw new SpillwayMemoryException(
                    "The JVM could not allocate "
                            + size
                            + " bytes of native memory for a page although the memory budget"
                            + " allowed it. The process is short of native memory outside Flink's"
                            + " managed memory: check the container limit and"
                            + " taskmanager.memory.process.size / jvm-overhead.",
                    e);
        }
    }

    /** Returns a segment whose page was freed. */
    void give(MemorySegment segment) {
        pagesInUse.decrementAndGet();
        bytesInUse.addAndGet(-segment.size());
        if (segment.size() == pageSize) {
            synchronized (this) {
                if (!closed) {
                    idle.addFirst(segment);
                    return;
                }
            }
        }
        segment.free();
    }

    int pagesInUse() {
        return pagesInUse.get();
    }

    /** Bytes of the pages handed out and not yet given back. */
    long bytesInUse() {
        return bytesInUse.get();
    }

    synchronized int idlePages() {
        return idle.size();
    }

    /** Frees all idle segments; segments given back later are freed directly. */
    synchronized void close() {
        closed = true;
        for (MemorySegment segment : idle) {
            segment.free();
        }
        idle.clear();
    }
}
