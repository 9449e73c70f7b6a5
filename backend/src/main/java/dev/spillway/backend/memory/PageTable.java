package dev.spillway.backend.memory;

import org.apache.flink.core.memory.MemorySegment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The page table of one {@link MemoryClient}: page number to live {@link Page}, with the lowest
 * free number reused first (as Spark's {@code pagesBitSet}), so numbers stay dense and the table
 * stays as small as the peak number of live pages.
 *
 * <p>Lookups are lock-free: the array reference is volatile and only replaced by a larger copy. A
 * thread that received a pointer through the store's own synchronization also sees the page it
 * points to, because the page was installed before that pointer was published. Changes are
 * synchronized.
 */
final class PageTable {

    private static final int INITIAL_CAPACITY = 64;

    private volatile Page[] pages = new Page[INITIAL_CAPACITY];
    private final BitSet used = new BitSet();
    private int live;

    PageTable() {
        used.set(0); // number 0 is PagePointer.NULL
    }

    synchronized Page install(MemorySegment segment, MemoryConsumer owner) {
        int number = used.nextClearBit(1);
        if (number < 1 || number > PagePointer.MAX_PAGE_NUMBER - 1) {
            throw new SpillwayMemoryException(
                    "Memory client ran out of page numbers: "
                            + live
                            + " live pages. Use a larger spillway.memory.page-size.");
        }
        Page[] table = pages;
        if (number >= table.length) {
            table =
                    Arrays.copyOf(
                            table, (int) Math.min((long) table.length * 2, Integer.MAX_VALUE));
        }
        Page page = new Page(segment, number, owner);
        table[number] = page;
        pages = table;
        used.set(number);
        live++;
        return page;
    }

    /** Removes a live page; fails on a double free or a page of another client. */
    synchronized void remove(Page page) {
        if (page.isFreed()) {
            throw new IllegalStateException(
                    "Double free: page "
                            + page.number()
                            + " of consumer '"
                            + page.owner().name()
                            + "' was already freed");
        }
        Page[] table = pages;
        if (page.number() >= table.length || table[page.number()] != page) {
            throw new IllegalArgumentException(page + " does not belong to this memory client");
        }
        page.invalidate();
        table[page.number()] = null;
        used.clear(page.number());
        live--;
    }

    /** The live page with this number, or null. */
    Page get(int number) {
        Page[] table = pages;
        return number > 0 && number < table.length ? table[number] : null;
    }

    synchronized int live() {
        return live;
    }

    synchronized List<Page> pagesOf(MemoryConsumer owner) {
        List<Page> owned = new ArrayList<>();
        for (Page page : pages) {
            if (page != null && (owner == null || page.owner() == owner)) {
                owned.add(page);
            }
        }
        return owned;
    }
}
