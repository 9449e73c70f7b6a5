package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreCursor;

import org.apache.flink.runtime.state.InternalPriorityQueue;
import org.apache.flink.runtime.state.heap.AbstractHeapPriorityQueueElement;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.FlinkRuntimeException;

import javax.annotation.Nonnull;
import javax.annotation.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.NoSuchElementException;
import java.util.TreeSet;

/**
 * The timers of one key group of one queue: a set ordered by the bytes of the serialized
 * elements, kept in the store under the row {@link StoreTimerKeys#rowPrefix}, with the smallest
 * few also on the heap (the design of RocksDB's {@code RocksDBCachingPriorityQueueSet}).
 *
 * <p>The cache holds a prefix of the key group's order: if the store has an element smaller than
 * the cache's last one, the cache has it too. Writes go through to the store at once. When the
 * cache runs empty while the store may still hold elements, one ordered scan of the row refills it;
 * {@link #allInCache} spares that scan when the cache is known to be everything.
 */
final class CachedStoreTimerSet<T> extends AbstractHeapPriorityQueueElement
        implements InternalPriorityQueue<T> {

    private static final byte[] NO_VALUE = new byte[0];

    private final StoreTimerQueue<T> queue;
    private final StateStore store;
    private final byte[] rowPrefix;
    private final int capacity;
    /** Serialized elements, without the row prefix, in unsigned byte order. */
    private final TreeSet<byte[]> cache = new TreeSet<>(Arrays::compareUnsigned);

    private boolean allInCache;
    /**
     * A lower bound of the elements in the store but not in the cache (null: the row's start):
     * refills seek there, past the tombstones of polled elements that runs may still hold.
     */
    @Nullable private byte[] seekHint;
    @Nullable private T peekCache;

    CachedStoreTimerSet(StoreTimerQueue<T> queue, StateStore store, int keyGroup, int capacity) {
        this.queue = queue;
        this.store = store;
        this.rowPrefix = StoreTimerKeys.rowPrefix(keyGroup, queue.stateId());
        this.capacity = capacity;
    }

    @Nullable
    @Override
    public T peek() {
        refillIfDrained();
        if (peekCache == null && !cache.isEmpty()) {
            peekCache = queue.deserialize(cache.first());
        }
        return peekCache;
    }

    @Nullable
    @Override
    public T poll() {
        refillIfDrained();
        byte[] first = cache.pollFirst();
        if (first == null) {
            return null;
        }
        delete(first);
        if (cache.isEmpty()) {
            seekHint = first; // the cache was a prefix of the order: the rest lies above
        }
        T head = peekCache != null ? peekCache : queue.deserialize(first);
        peekCache = null;
        return head;
    }

    /** Returns whether the element became the head (so the partitioning heap must re-sort). */
    @Override
    public boolean add(@Nonnull T toAdd) {
        refillIfDrained();
        byte[] element = queue.serialize(toAdd);
        if (cache.contains(element)) {
            return false;
        }
        boolean full = cache.size() >= capacity;
        boolean belongsInCache =
                (allInCache && !full)
                        || (!cache.isEmpty()
                                && Arrays.compareUnsigned(element, cache.last()) < 0);
        put(element);
        if (!belongsInCache) {
            storeOnly(element);
            return false;
        }
        if (full) {
            storeOnly(cache.pollLast());
        }
        cache.add(element);
        if (cache.first() == element) {
            peekCache = null;
            return true;
        }
        return false;
    }

    /** Returns whether the head changed. */
    @Override
    public boolean remove(@Nonnull T toRemove) {
        refillIfDrained();
        if (cache.isEmpty()) {
            return false; // the refill found nothing: the store has no element either
        }
        byte[] oldHead = cache.first();
        byte[] element = queue.serialize(toRemove);
        delete(element);
        cache.remove(element);
        if (cache.isEmpty()) {
            seekHint = element;
        }
        if (cache.isEmpty() || oldHead != cache.first()) {
            peekCache = null;
            return true;
        }
        return false;
    }

    @Override
    public void addAll(@Nullable Collection<? extends T> toAdd) {
        if (toAdd != null) {
            for (T element : toAdd) {
                add(element);
            }
        }
    }

    @Override
    public boolean isEmpty() {
        refillIfDrained();
        return cache.isEmpty();
    }

    /** Counts by a scan unless the cache is known to be everything: for tests and tools. */
    @Override
    public int size() {
        if (allInCache) {
            return cache.size();
        }
        int count = 0;
        try (StoreCursor cursor = store.scan(rowPrefix, rowPrefix.length)) {
            while (cursor.next()) {
                count++;
            }
        } catch (IOException e) {
            throw failure("count", e);
        }
        return count;
    }

    /** The elements in order, read from the store as of this call. */
    @Nonnull
    @Override
    public CloseableIterator<T> iterator() {
        try {
            return new ElementIterator(store.scan(rowPrefix, rowPrefix.length));
        } catch (IOException e) {
            throw failure("iterate", e);
        }
    }

    /** Notes an element kept in the store only: the cache no longer holds everything. */
    private void storeOnly(byte[] element) {
        allInCache = false;
        if (seekHint != null && Arrays.compareUnsigned(element, seekHint) < 0) {
            seekHint = element;
        }
    }

    private void refillIfDrained() {
        if (allInCache || !cache.isEmpty()) {
            return;
        }
        try (StoreCursor cursor =
                seekHint == null
                        ? store.scan(rowPrefix, rowPrefix.length)
                        : store.scan(
                                rowPrefix, rowPrefix.length, queue.storeKey(rowPrefix, seekHint))) {
            boolean more = cursor.next();
            while (more && cache.size() < capacity) {
                cache.add(StoreTimerKeys.element(cursor.key()));
                more = cursor.next();
            }
            allInCache = !more;
        } catch (IOException e) {
            throw failure("load", e);
        }
    }

    private void put(byte[] element) {
        byte[] key = queue.storeKey(rowPrefix, element);
        try {
            store.put(key, key.length, NO_VALUE, 0, 0);
        } catch (IOException e) {
            throw failure("store", e);
        }
    }

    private void delete(byte[] element) {
        byte[] key = queue.storeKey(rowPrefix, element);
        try {
            store.delete(key, key.length);
        } catch (IOException e) {
            throw failure("delete", e);
        }
    }

    private FlinkRuntimeException failure(String what, IOException e) {
        return new FlinkRuntimeException(
                "Cannot "
                        + what
                        + " timers of queue '"
                        + queue.name()
                        + "' in key group "
                        + StoreTimerKeys.keyGroup(rowPrefix)
                        + ": "
                        + e.getMessage(),
                e);
    }

    /** Deserializes the elements of a store cursor; closing it closes the cursor. */
    private final class ElementIterator implements CloseableIterator<T> {
        private final StoreCursor cursor;
        private boolean ahead;
        private boolean hasNext;

        ElementIterator(StoreCursor cursor) {
            this.cursor = cursor;
        }

        @Override
        public boolean hasNext() {
            if (!ahead) {
                try {
                    hasNext = cursor.next();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                ahead = true;
            }
            return hasNext;
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ahead = false;
            return queue.deserialize(StoreTimerKeys.element(cursor.key()));
        }

        @Override
        public void close() throws IOException {
            cursor.close();
        }
    }
}
