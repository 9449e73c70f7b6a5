package dev.spillway.backend.store.run;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data blocks of one run file mapped into memory, for point reads: a block read from a
 * mapping is a copy out of the page cache, where {@code FileChannel.read} is a system call.
 *
 * <p><b>Why.</b> The CPU profile (async-profiler) of uniform ValueState gets over ten times the
 * memory budget spent 52% of the task thread in {@code FileChannel.read} of one 4 KiB block, most
 * of it in the kernel; on the 2-core VM of that profile a positional read of a cached 4 KiB page
 * cost about 2.5 µs, a copy out of a mapping 0.8 µs. Mapping the point reads halved the task
 * thread's CPU time per get.
 *
 * <p><b>Chunks.</b> The file is mapped lazily in {@value #CHUNK_BYTES}-byte chunks (a {@link
 * MappedByteBuffer} indexes with an {@code int}); a block that crosses a chunk boundary, a chunk
 * whose mapping failed, or a closed file make {@link #copy} return {@code false}, and the caller
 * reads with the channel as before.
 *
 * <p><b>Unmapping.</b> Java 17 has no API to unmap, and a mapping left to the garbage collector
 * keeps the disk space of a deleted run until its buffer is collected, which for a long-lived run
 * in the old generation may be hours. {@link #close()} therefore unmaps at once through {@code
 * sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported}, as Lucene's MMapDirectory did
 * before Java 21), after waiting for copies in flight: {@link #copy} counts its callers, and
 * once closed admits none, so no thread can touch an unmapped page. Without that method the
 * mappings are left to the collector.
 *
 * <p><b>Damage.</b> Bytes read from a mapping are checked by the block CRC as before. A file
 * truncated <em>under an open reader</em> (run files are private to the process; only an outside
 * hand or a failing disk does that) is the one case that changes: the JVM turns the fault on the
 * vanished page into an asynchronous {@link InternalError} ("a fault occurred in a recent unsafe
 * memory access operation") on the reading thread, which fails the task, where the positional
 * read reported a {@link CorruptRunException}. Truncation before opening is still reported when
 * the run opens.
 *
 * <p>Only point reads use the mapping; scans keep their sequential read-ahead through the
 * channel. Mapped pages are file pages of the page cache, as the blocks read with the channel
 * are: they count in the process's resident set while mapped, but the kernel reclaims them as any
 * other page cache.
 *
 * <p>Thread-safe.
 */
final class MappedRunFile implements AutoCloseable {

    static final int CHUNK_SHIFT = 30;
    static final long CHUNK_BYTES = 1L << CHUNK_SHIFT;
    private static final long CHUNK_MASK = CHUNK_BYTES - 1;

    /** {@code Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null when unavailable. */
    private static final MethodHandle UNMAP = unmapper();

    /** A chunk whose mapping failed: not retried. */
    private static final ByteBuffer FAILED = ByteBuffer.allocate(0);

    private final FileChannel channel;
    private final long mappedSize;
    private final ByteBuffer[] chunks;
    /** Threads inside {@link #copy}; {@link Integer#MIN_VALUE} once closed. */
    private final AtomicInteger readers = new AtomicInteger();

    /**
     * @param mappedSize bytes from the start of the file that point reads may ask for (the end of
     *     the data blocks)
     */
    MappedRunFile(FileChannel channel, long mappedSize) {
        this.channel = channel;
        this.mappedSize = mappedSize;
        this.chunks = new ByteBuffer[(int) ((mappedSize + CHUNK_BYTES - 1) >>> CHUNK_SHIFT)];
    }

    /** Whether closing unmaps at once (else the garbage collector unmaps). */
    static boolean unmapsOnClose() {
        return UNMAP != null;
    }

    /**
     * Copies {@code target.length} bytes from {@code offset} into {@code target}; returns {@code
     * false}, having copied nothing, when the range cannot be served from a mapping (see the class
     * comment), so the caller reads it with the channel.
     */
    boolean copy(long offset, byte[] target) {
        int length = target.length;
        long end = offset + length;
        int chunk = (int) (offset >>> CHUNK_SHIFT);
        if (offset < 0 || length == 0 || end > mappedSize || ((end - 1) >>> CHUNK_SHIFT) != chunk) {
            return false;
        }
        if (!enter()) {
            return false;
        }
        try {
            ByteBuffer mapping = chunk(chunk);
            if (mapping == FAILED) {
                return false;
            }
            mapping.get((int) (offset & CHUNK_MASK), target, 0, length);
            return true;
        } finally {
            readers.decrementAndGet();
        }
    }

    private boolean enter() {
        while (true) {
            int count = readers.get();
            if (count < 0) {
                return false;
            }
            if (readers.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    private ByteBuffer chunk(int chunk) {
        ByteBuffer mapping = chunks[chunk];
        if (mapping != null) {
            return mapping;
        }
        synchronized (chunks) {
            mapping = chunks[chunk];
            if (mapping == null) {
                long start = (long) chunk << CHUNK_SHIFT;
                try {
                    mapping = channel.map(FileChannel.MapMode.READ_ONLY, start,
                            Math.min(CHUNK_BYTES, mappedSize - start));
                } catch (IOException | RuntimeException e) {
                    mapping = FAILED; // out of address space or map count: read with the channel
                }
                chunks[chunk] = mapping;
            }
            return mapping;
        }
    }

    /** Waits for copies in flight, then unmaps; later copies return false. */
    @Override
    public void close() {
        while (!readers.compareAndSet(0, Integer.MIN_VALUE)) {
            if (readers.get() < 0) {
                return; // already closed
            }
            Thread.onSpinWait(); // a copy of one block takes microseconds
        }
        synchronized (chunks) {
            for (int i = 0; i < chunks.length; i++) {
                ByteBuffer mapping = chunks[i];
                chunks[i] = null;
                if (mapping instanceof MappedByteBuffer && UNMAP != null) {
                    try {
                        UNMAP.invokeExact(mapping);
                    } catch (Throwable e) {
                        // Left to the garbage collector.
                    }
                }
            }
        }
    }

    private static MethodHandle unmapper() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field instance = unsafeClass.getDeclaredField("theUnsafe");
            instance.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner",
                            MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(instance.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
