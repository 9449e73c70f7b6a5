package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A k-way merge of sorted sources into one sorted stream with one resolved entry per key.
 *
 * <p><b>Algorithm.</b> A binary heap holds the current head of every source, ordered by key and,
 * for equal keys, by source age (newest first). Each step pops all heads that share the smallest
 * key, feeds them newest first into an {@link EntryResolver} (which stops listening after the
 * first PUT or DELETE, since older entries are shadowed), advances those sources, and emits the
 * resolved entry. Cost per output entry is {@code O(d log k)} comparisons for {@code d} duplicates
 * among {@code k} sources; with a handful of runs a heap is as fast as a loser tree and simpler.
 *
 * <p><b>Oldest source.</b> With {@code includesOldest} the sources are the whole store (or a
 * compaction that reaches the oldest run): tombstones disappear, operand chains become values,
 * and only {@link EntryKind#PUT} entries come out — exactly the live data. Without it the merge
 * keeps tombstones and emits chains without a base as {@link EntryKind#APPEND}, so the result can
 * still be layered over older runs.
 *
 * <p>Closing the merge closes every source.
 */
public final class MergingCursor implements EntryCursor {

    private final List<? extends EntryCursor> sources;
    private final boolean includesOldest;
    private final PriorityQueue<Head> heads;
    private final EntryResolver resolver = new EntryResolver();

    private boolean started;
    private byte[] key;
    private EntryKind kind;
    private byte[] value;

    /**
     * @param newestFirst the sources, newest first (index 0 shadows index 1)
     * @param includesOldest whether nothing older than the last source exists
     */
    public MergingCursor(List<? extends EntryCursor> newestFirst, boolean includesOldest) {
        this.sources = newestFirst;
        this.includesOldest = includesOldest;
        this.heads = new PriorityQueue<>(Math.max(1, newestFirst.size()));
    }

    @Override
    public boolean next() throws IOException {
        if (!started) {
            started = true;
            for (int age = 0; age < sources.size(); age++) {
                advance(new Head(sources.get(age), age));
            }
        }
        while (!heads.isEmpty()) {
            Head top = heads.poll();
            byte[] smallest = top.key;
            resolver.reset();
            resolver.add(top.kind, top.value);
            advance(top);
            while (!heads.isEmpty() && Arrays.equals(heads.peek().key, smallest)) {
                Head older = heads.poll();
                if (!resolver.isComplete()) {
                    resolver.add(older.kind, older.value);
                }
                advance(older);
            }
            EntryKind resolved = resolver.resolvedKind(includesOldest);
            if (resolved != null) {
                key = smallest;
                kind = resolved;
                value = resolver.resolvedValue();
                return true;
            }
        }
        key = null;
        return false;
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public EntryKind kind() {
        return kind;
    }

    @Override
    public byte[] value() {
        return value;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (EntryCursor source : sources) {
            try {
                source.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Moves a source to its next entry and puts it back in the heap, unless it is exhausted. */
    private void advance(Head head) throws IOException {
        if (head.source.next()) {
            head.key = head.source.key();
            head.kind = head.source.kind();
            head.value = head.source.value();
            heads.add(head);
        }
    }

    private static final class Head implements Comparable<Head> {
        final EntryCursor source;
        final int age;
        byte[] key;
        EntryKind kind;
        byte[] value;

        Head(EntryCursor source, int age) {
            this.source = source;
            this.age = age;
        }

        @Override
        public int compareTo(Head other) {
            int byKey = Arrays.compareUnsigned(key, other.key);
            return byKey != 0 ? byKey : Integer.compare(age, other.age);
        }
    }
}
