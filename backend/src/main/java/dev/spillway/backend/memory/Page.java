package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A fixed-size block of off-heap memory owned by one {@link MemoryConsumer}, and the one place in
 * Spillway that reads and writes page memory.
 *
 * <p><b>Checks.</b> Every access is guarded by a single range check in the style of Agrona's {@code
 * boundsCheck0} and Flink's collapsed {@code address > addressLimit} trick:
 *
 * <pre>
 *   (offset | length | (limit - offset - length)) &lt; 0   ==&gt;  fail
 * </pre>
 *
 * computed in {@code long} so it cannot overflow. {@code limit} is the page size while the page is
 * live and {@code -1} once it is freed, so the same subtraction that catches an access past the end
 * also catches any access through a stale handle: use-after-free costs no extra branch. The check
 * is compiled in only when the system property {@code spillway.bounds.checks} is {@code true}
 * (tests run with it); {@link #BOUNDS_CHECKS} is a {@code static final} constant, so with checks
 * off the JIT removes it and the hot path is a direct {@link MemorySegment} access, which still
 * guards against touching memory that was returned to the operating system.
 *
 * <p>Why our own check on top of the segment's: segments are pooled and reused by later pages, so a
 * stale page handle would otherwise read another consumer's live data without any error.
 *
 * <p><b>Byte order.</b> {@code getInt}/{@code putInt}/{@code getLong}/{@code putLong} use the
 * platform's native order (fastest; pages never leave the process). The {@code compare} methods
 * order bytes as unsigned and lexicographically, as the store orders keys.
 *
 * <p><b>Threads.</b> A page has no synchronization of its own. Writes are published to other
 * threads by whatever publishes the pointer to them (the store's own locking).
 */
public final class Page {

    /** Whether page accesses are range- and use-after-free-checked (tests: always on). */
    public static final boolean BOUNDS_CHECKS = Boolean.getBoolean("spillway.bounds.checks");

    private static final int FREED = -1;

    private static final VarHandle BYTES_AS_BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final MemorySegment segment;
    private final int number;
    private final MemoryConsumer owner;

    /** The page size while live, {@link #FREED} once freed; the only mutable field. */
    private int limit;

    Page(MemorySegment segment, int number, MemoryConsumer owner) {
        this.segment = segment;
        this.number = number;
        this.owner = owner;
        this.limit = segment.size();
    }

    /** Size of this page in bytes. */
    public int size() {
        return segment.size();
    }

    /** This page's number in its client's page table; never 0. */
    public int number() {
        return number;
    }

    /** Whether the page was freed; any access through a freed page fails when checks are on. */
    public boolean isFreed() {
        return limit == FREED;
    }

    /** The pointer to {@code offset} in this page; resolve it with {@link MemoryClient#page}. */
    public long pointer(int offset) {
        check(offset, 0);
        return PagePointer.encode(number, offset);
    }

    public byte getByte(int offset) {
        check(offset, Byte.BYTES);
        return segment.get(offset);
    }

    public void putByte(int offset, byte value) {
        check(offset, Byte.BYTES);
        segment.put(offset, value);
    }

    /** Reads an int in native byte order. */
    public int getInt(int offset) {
        check(offset, Integer.BYTES);
        return segment.getInt(offset);
    }

    /** Writes an int in native byte order. */
    public void putInt(int offset, int value) {
        check(offset, Integer.BYTES);
        segment.putInt(offset, value);
    }

    /** Reads a long in native byte order. */
    public long getLong(int offset) {
        check(offset, Long.BYTES);
        return segment.getLong(offset);
    }

    /** Reads a long in big-endian order: eight bytes as an unsigned-comparable number. */
    public long getLongBigEndian(int offset) {
        check(offset, Long.BYTES);
        return segment.getLongBigEndian(offset);
    }

    /** Writes a long in native byte order. */
    public void putLong(int offset, long value) {
        check(offset, Long.BYTES);
        segment.putLong(offset, value);
    }

    /** Copies {@code length} bytes at {@code offset} into {@code target[targetOffset..]}. */
    public void get(int offset, byte[] target, int targetOffset, int length) {
        check(offset, length);
        segment.get(offset, target, targetOffset, length);
    }

    /** Copies {@code source[sourceOffset..sourceOffset+length)} to {@code offset}. */
    public void put(int offset, byte[] source, int sourceOffset, int length) {
        check(offset, length);
        segment.put(offset, source, sourceOffset, length);
    }

    /** Copies {@code length} bytes at {@code offset} to {@code targetOffset} of another page. */
    public void copyTo(int offset, Page target, int targetOffset, int length) {
        check(offset, length);
        target.check(targetOffset, length);
        segment.copyTo(offset, target.segment, targetOffset, length);
    }

    /**
     * Compares {@code [offset, offset+length)} of this page with a range of another page as
     * unsigned bytes, lexicographically; a proper prefix orders first.
     *
     * @return negative, zero or positive as this range is less than, equal to or greater than the
     *     other
     */
    public int compare(int offset, int length, Page other, int otherOffset, int otherLength) {
        check(offset, length);
        other.check(otherOffset, otherLength);
        int common = Math.min(length, otherLength);
        int result = segment.compare(other.segment, offset, otherOffset, common);
        return result != 0 ? result : Integer.compare(length, otherLength);
    }

    /**
     * Compares {@code [offset, offset+length)} of this page with {@code other[otherOffset..
     * otherOffset+otherLength)} as unsigned bytes, lexicographically; a proper prefix orders first.
     * Eight bytes are compared at a time.
     */
    public int compare(int offset, int length, byte[] other, int otherOffset, int otherLength) {
        check(offset, length);
        int common = Math.min(length, otherLength);
        int i = 0;
        for (; i + Long.BYTES <= common; i += Long.BYTES) {
            long mine = segment.getLongBigEndian(offset + i);
            long theirs = (long) BYTES_AS_BIG_ENDIAN_LONG.get(other, otherOffset + i);
            if (mine != theirs) {
                return Long.compareUnsigned(mine, theirs);
            }
        }
        for (; i < common; i++) {
            int diff = (segment.get(offset + i) & 0xFF) - (other[otherOffset + i] & 0xFF);
            if (diff != 0) {
                return diff;
            }
        }
        return Integer.compare(length, otherLength);
    }

    @Override
    public String toString() {
        return "Page{number=" + number + ", size=" + size() + (isFreed() ? ", freed" : "") + '}';
    }

    // ------------------------------------------------------------------------------------------
    //  Lifecycle, for the memory package only
    // ------------------------------------------------------------------------------------------

    MemoryConsumer owner() {
        return owner;
    }

    MemorySegment segment() {
        return segment;
    }

    /** Marks the page freed; from now on every checked access through this handle fails. */
    void invalidate() {
        limit = FREED;
    }

    private void check(int offset, int length) {
        if (BOUNDS_CHECKS && (offset | length | ((long) limit - offset - length)) < 0) {
            throw accessError(offset, length);
        }
    }

    private RuntimeException accessError(int offset, int length) {
        if (limit == FREED) {
            return new IllegalStateException(
                    "Use after free: page "
                            + number
                            + " of consumer '"
                            + owner.name()
                            + "' was already freed (access at offset "
                            + offset
                            + ", length "
                            + length
                            + ")");
        }
        return new IndexOutOfBoundsException(
                "Access [offset "
                        + offset
                        + ", length "
                        + length
                        + "] is outside page "
                        + number
                        + " of "
                        + limit
                        + " bytes");
    }
}
