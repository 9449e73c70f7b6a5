package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;

/**
 * Sorting and searching record pointers by the unsigned order of the keys they point at. A
 * bottom-up merge sort on primitive arrays: no boxing, no comparator objects, and a stable
 * O(n log n) whatever the key distribution (composite keys share long prefixes, the bad case of
 * naive quicksorts).
 */
final class RecordSort {

    private static final int INSERTION_SORT_RUN = 16;

    private RecordSort() {}

    static void sortByKey(long[] addresses, int size, Page[] pages) {
        for (int start = 0; start < size; start += INSERTION_SORT_RUN) {
            insertionSort(addresses, start, Math.min(start + INSERTION_SORT_RUN, size), pages);
        }
        if (size <= INSERTION_SORT_RUN) {
            return;
        }
        long[] source = addresses;
        long[] target = new long[size];
        for (int width = INSERTION_SORT_RUN; width < size; width *= 2) {
            for (int low = 0; low < size; low += 2 * width) {
                int middle = Math.min(low + width, size);
                int high = Math.min(low + 2 * width, size);
                merge(source, target, low, middle, high, pages);
            }
            long[] swap = source;
            source = target;
            target = swap;
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

    private static void insertionSort(long[] a, int from, int to, Page[] pages) {
        for (int i = from + 1; i < to; i++) {
            long current = a[i];
            int j = i - 1;
            while (j >= from && compare(a[j], current, pages) > 0) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = current;
        }
    }

    private static void merge(
            long[] source, long[] target, int low, int middle, int high, Page[] pages) {
        int left = low;
        int right = middle;
        for (int out = low; out < high; out++) {
            if (left < middle && (right >= high || compare(source[left], source[right], pages) <= 0)) {
                target[out] = source[left++];
            } else {
                target[out] = source[right++];
            }
        }
    }

    private static int compare(long a, long b, Page[] pages) {
        return Records.compareKeys(
                pages[Records.page(a)], Records.offset(a), pages[Records.page(b)], Records.offset(b));
    }
}
