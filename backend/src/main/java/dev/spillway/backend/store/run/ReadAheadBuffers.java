package dev.spillway.backend.store.run;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The direct buffers that scanning cursors read ahead into, reused across cursors.
 *
 * <p><b>Why direct.</b> A positional read into a heap buffer goes through a temporary direct
 * buffer of the JDK and is copied to the heap afterwards; the scan then copied each block out of
 * the heap buffer before checking it. Reading into a direct buffer and checking and decoding each
 * block where it landed ({@link BlockCodec#decode(ByteBuffer, int, int, java.nio.file.Path, long)})
 * leaves one copy per byte, the one into the decoded block. In a JFR profile of a full snapshot
 * the copy out of the temporary buffer was the largest single cost of the merged scan.
 *
 * <p><b>Why pooled.</b> A direct buffer is slow to allocate (zeroed, counted against
 * {@code -XX:MaxDirectMemorySize}) and is freed only by the garbage collector, so a cursor per
 * MapState iteration allocating its own would churn native memory and, near the limit, make the
 * JDK call {@code System.gc()}. Cursors {@link #take()} a buffer on their first read-ahead and
 * {@link #give(ByteBuffer)} it back when closed; at most {@value #MAX_IDLE} idle buffers are kept
 * (1 MiB per store), the rest are left to the collector.
 *
 * <p>Thread-safe: cursors of the task thread, compaction and snapshot threads share one pool.
 */
final class ReadAheadBuffers {

    /** Idle buffers kept for reuse; a merge holds one per run while it scans. */
    static final int MAX_IDLE = 16;

    private final int capacity;
    private final ArrayBlockingQueue<ByteBuffer> idle = new ArrayBlockingQueue<>(MAX_IDLE);

    /** @param capacity bytes of each buffer: the largest read-ahead of a cursor */
    ReadAheadBuffers(int capacity) {
        this.capacity = capacity;
    }

    /** An idle buffer, or a new one; cleared. */
    ByteBuffer take() {
        ByteBuffer buffer = idle.poll();
        return buffer != null ? buffer.clear() : ByteBuffer.allocateDirect(capacity);
    }

    /** Returns a buffer taken here (others, e.g. a one-off larger buffer, are dropped). */
    void give(ByteBuffer buffer) {
        if (buffer != null && buffer.isDirect() && buffer.capacity() == capacity) {
            idle.offer(buffer);
        }
    }

    /** Bytes of the buffers kept idle. */
    long idleBytes() {
        return (long) idle.size() * capacity;
    }
}
