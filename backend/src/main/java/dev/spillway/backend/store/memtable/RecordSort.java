package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;

/**
 * Sorting and searching record pointers by the unsigned order of the keys they point at. A
 * bottom-up merge sort on primitive arrays: no boxing, no comparator objects, and a stable
 * O(n log n) whatever the key distribution (composite keys share long prefixes, the bad case of
 * naive quicksorts).
 *
 * <p><b>Key prefixes.</b> As Spark's in-memory sorter does, each pointer travels with the first
 * eight bytes of its key as a long ({@link Records#keyPrefix}), so most comparisons are one
 * unsigned long comparison on the heap arrays instead of a walk over two records in off-heap
 * pages; only equal prefixes fall back to the keys. A profile of a checkpoint of 280k in-memory
 * entries spent half of the snapshot thread's time in those page comparisons. The price is eight
 * bytes of heap per sorted record, for the duration of the sort.
 */
final class RecordSort {

    private static final int INSERTION_SORT_RUN = 16;

    private RecordSort() {}

    static void sortByKey(long[] addresses, int size, Page[] pages) {
        long[] prefixes = new long[size];
        for (int i = 0; i < size; i++) {
            long a = addresses[i];
            prefixes[i] = Records.keyPrefix(pages[Records.page(a)], Records.offset(a));
        }
        for (int start = 0; start < size; start += INSERTION_SORT_RUN) {
            insertionSort(
                    addresses, prefixes, start, Math.min(start + INSERTION_SORT_RUN, size), pages);
        }
        if (size <= INSERTION_SORT_RUN) {
            return;
        }
        long[] source = addresses;
        long[] sourcePrefixes = prefixes;
        long[] target = new long[size];
        long[] targetPrefixes = new long[size];
        for (int width = INSERTION_SORT_RUN; width < size; width *= 2) {
            for (int low = 0; low < size; low += 2 * width) {
                int middle = Math.min(low + width, size);
                int high = Math.min(low + 2 * width, size);
                merge(source, sourcePrefixes, target, targetPrefixes, low, middle, high, pages);
            }
            long[] swap = source;
            source = target;
            target = swap;
            swap = sourcePrefixes;
            sourcePrefixes = targetPrefixes;
            targetPrefixes = swap;
        }
        if (source != addresses) {
            System.arraycopy(source, 0, addresses, 0, size);
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
            if (Records.compareKey(pages[Records.page(a)], Records.offset(a), probe, probeLength) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private static void insertionSort(
            long[] a, long[] prefixes, int from, int to, Page[] pages) {
        for (int i = from + 1; i < to; i++) {
            long current = a[i];
            long currentPrefix = prefixes[i];
            int j = i - 1;
            while (j >= from && compare(prefixes[j], a[j], currentPrefix, current, pages) > 0) {
                a[j + 1] = a[j];
                prefixes[j + 1] = prefixes[j];
                j--;
            }
            a[j + 1] = current;
            prefixes[j + 1] = currentPrefix;
        }
    }

    private static void merge(
            long[] source,
            long[] sourcePrefixes,
            long[] target,
            long[] targetPrefixes,
            int low,
            int middle,
            int high,
            Page[] pages) {
        int left = low;
        int right = middle;
        for (int out = low; out < high; out++) {
            int take;
            if (left < middle
                    && (right >= high
                            || compare(
                                            sourcePrefixes[left],
                                            source[left],
                                            sourcePrefixes[right],
                                            source[right],
                                            pages)
                                    <= 0)) {
                take = left++;
            } else {
                take = right++;
            }
            target[out] = source[take];
            targetPrefixes[out] = sourcePrefixes[take];
        }
    }

    private static int compare(long prefixA, long a, long prefixB, long b, Page[] pages) {
        int byPrefix = Long.compareUnsigned(prefixA, prefixB);
        if (byPrefix != 0) {
            return byPrefix;
        }
        return Records.compareKeys(
                pages[Records.page(a)], Records.offset(a), pages[Records.page(b)], Records.offset(b));
    }
}
