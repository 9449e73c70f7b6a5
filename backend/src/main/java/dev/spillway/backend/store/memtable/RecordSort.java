package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;
import dev.spillway.backend.memory.PagePointer;

/**
 * Sorting and searching record pointers by the unsigned order of the keys they point at. A
 * bottom-up merge sort on primitive arrays: no boxing, no comparator objects, and a stable
 * O(n log n) whatever the key distribution (composite keys share long prefixes, the bad case of
 * naive quicksorts).
 *
 * <p><b>Key prefixes.</b> As Spark's in-memory sorter does, each pointer travels with the first
 * sixteen bytes of its key as two longs ({@link Records#keyPrefix}), so most comparisons are
 * unsigned long comparisons on heap arrays instead of a walk over two records in off-heap pages;
 * only equal prefixes fall back to the keys. Eight bytes are not enough: they hold the key group,
 * the state id, a length and only the first three bytes of the user key, which for a {@code Long}
 * key are nearly always zero. A profile of a checkpoint of 280k in-memory entries spent half of
 * the snapshot thread's time in those page comparisons. The price is sixteen bytes of heap per
 * sorted record, for the duration of the sort.
 */
final class RecordSort {

    private static final int INSERTION_SORT_RUN = 16;

    private RecordSort() {}

    static void sortByKey(long[] addresses, int size, Page[] pages) {
        long[] high = new long[size];
        long[] low = new long[size];
        for (int i = 0; i < size; i++) {
            long a = addresses[i];
            Page page = pages[PagePointer.pageNumber(a)];
            high[i] = Records.keyPrefix(page, PagePointer.offset(a), 0);
            low[i] = Records.keyPrefix(page, PagePointer.offset(a), Long.BYTES);
        }
        Sortable source = new Sortable(addresses, high, low);
        for (int start = 0; start < size; start += INSERTION_SORT_RUN) {
            source.insertionSort(start, Math.min(start + INSERTION_SORT_RUN, size), pages);
        }
        if (size <= INSERTION_SORT_RUN) {
            return;
        }
        Sortable target = new Sortable(new long[size], new long[size], new long[size]);
        for (int width = INSERTION_SORT_RUN; width < size; width *= 2) {
            for (int from = 0; from < size; from += 2 * width) {
                int middle = Math.min(from + width, size);
                int to = Math.min(from + 2 * width, size);
                source.mergeInto(target, from, middle, to, pages);
            }
            Sortable swap = source;
            source = target;
            target = swap;
        }
        if (source.addresses != addresses) {
            System.arraycopy(source.addresses, 0, addresses, 0, size);
        }
    }

    /** The first index whose key is not less than the probe. */
    static int lowerBound(
            long[] addresses, int size, Page[] pages, byte[] probe, int probeLength) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            long a = addresses[middle];
            if (Records.compareKey(pages[PagePointer.pageNumber(a)], PagePointer.offset(a), probe, probeLength) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** Pointers with their key prefixes, moved together. */
    private static final class Sortable {
        final long[] addresses;
        final long[] high;
        final long[] low;

        Sortable(long[] addresses, long[] high, long[] low) {
            this.addresses = addresses;
            this.high = high;
            this.low = low;
        }

        void insertionSort(int from, int to, Page[] pages) {
            for (int i = from + 1; i < to; i++) {
                long a = addresses[i];
                long h = high[i];
                long l = low[i];
                int j = i - 1;
                while (j >= from && compare(j, h, l, a, pages) > 0) {
                    copy(j, this, j + 1);
                    j--;
                }
                addresses[j + 1] = a;
                high[j + 1] = h;
                low[j + 1] = l;
            }
        }

        void mergeInto(Sortable target, int from, int middle, int to, Page[] pages) {
            int left = from;
            int right = middle;
            for (int out = from; out < to; out++) {
                if (left < middle
                        && (right >= to
                                || compare(left, high[right], low[right], addresses[right], pages)
                                        <= 0)) {
                    copy(left++, target, out);
                } else {
                    copy(right++, target, out);
                }
            }
        }

        private void copy(int from, Sortable target, int to) {
            target.addresses[to] = addresses[from];
            target.high[to] = high[from];
            target.low[to] = low[from];
        }

        /** Compares the record at {@code i} with the given one. */
        private int compare(int i, long otherHigh, long otherLow, long other, Page[] pages) {
            int byPrefix = Long.compareUnsigned(high[i], otherHigh);
            if (byPrefix == 0) {
                byPrefix = Long.compareUnsigned(low[i], otherLow);
            }
            if (byPrefix != 0) {
                return byPrefix;
            }
            long a = addresses[i];
            return Records.compareKeys(
                    pages[PagePointer.pageNumber(a)],
                    PagePointer.offset(a),
                    pages[PagePointer.pageNumber(other)],
                    PagePointer.offset(other));
        }
    }
}
