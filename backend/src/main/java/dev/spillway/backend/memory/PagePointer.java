package dev.spillway.backend.memory;

/**
 * 64-bit addresses of bytes inside pages, as in Spark's TaskMemoryManager: the one encoding of a
 * page address in Spillway. The page number means whatever the holder resolves it with: a {@link
 * MemoryClient}'s page table (numbers from 1, below), or the memtable's own page array (an index
 * from 0; the memtable never compares a pointer with {@link #NULL}).
 *
 * <pre>
 *   63                               32 31                                0
 *  +-----------------------------------+-----------------------------------+
 *  |  page number (1 .. 2^31-1)        |  offset in page (0 .. 2^31-1)     |
 *  +-----------------------------------+-----------------------------------+
 * </pre>
 *
 * <p>Why 32/32 rather than Spark's 13/51: our pages are {@link org.apache.flink.core.memory
 * MemorySegment}s, addressed by {@code int}, so an offset never needs more than 31 bits, while the
 * page number must cover budgets far beyond Spark's 8192 pages: a 1 GiB budget of 32 KiB pages is
 * 32768 pages, a 64 GiB budget of 4 KiB pages is 16 Mi pages. Decoding is a shift or a cast, with
 * no mask. Page numbers start at 1, so {@link #NULL} (0) is never a valid pointer and zero-filled
 * {@code long[]} index arrays read as "empty". Within one page, pointer arithmetic works: {@code
 * pointer + n} addresses the byte {@code n} further on, as long as it stays inside the page.
 *
 * <p>Page numbers are reused (lowest free first, as Spark does), so a pointer kept past the free of
 * its page resolves to whatever page has that number later; the owner of a pointer must drop it
 * when it frees the page. The page <em>handle</em> of a freed page, in contrast, always fails when
 * checks are on.
 */
public final class PagePointer {

    /** A pointer that addresses nothing; no page has number 0. */
    public static final long NULL = 0L;

    /** The largest page number a client hands out. */
    static final int MAX_PAGE_NUMBER = Integer.MAX_VALUE;

    private static final int OFFSET_BITS = 32;
    private static final long OFFSET_MASK = 0xFFFF_FFFFL;

    private PagePointer() {}

    /** Encodes a page number and an offset inside that page. */
    public static long encode(int pageNumber, int offset) {
        return ((long) pageNumber << OFFSET_BITS) | (offset & OFFSET_MASK);
    }

    /** The page number of a pointer; resolve it with {@link MemoryClient#page(long)}. */
    public static int pageNumber(long pointer) {
        return (int) (pointer >>> OFFSET_BITS);
    }

    /** The offset of a pointer inside its page. */
    public static int offset(long pointer) {
        return (int) pointer;
    }

    /** Human-readable form for error messages and debugging: {@code page:offset}. */
    public static String toString(long pointer) {
        return pageNumber(pointer) + ":" + offset(pointer);
    }
}
