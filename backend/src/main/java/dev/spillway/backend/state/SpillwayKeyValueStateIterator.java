package dev.spillway.backend.state;

import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.StoreSnapshot;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.CompositeKeySerializationUtils;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyValueStateIterator;
import org.apache.flink.runtime.state.StateSnapshotTransformer;
import org.apache.flink.runtime.state.heap.HeapPriorityQueueStateSnapshot;
import org.apache.flink.util.IOUtils;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Walks a snapshot in the order of Flink's canonical format, key group by key group and, inside a
 * key group, state by state in kv-state-id order: the states kept in the store first (keyed states
 * and store timer queues, by store id), then the heap timer queues (the heap queue's elements of
 * that key group). Store timers come out as {@code [key group][element bytes]} with an empty
 * value, as the other backends write priority-queue state. Keys come out in canonical form (see {@link
 * CanonicalKeys}); values as stored, through the state's snapshot transformer when it has one (TTL
 * full-snapshot cleanup). Each key is a fresh array: the writer flips a flag bit in it.
 *
 * <p><b>One pass.</b> Store keys sort key group first, then state id ({@link CompositeKey}), and
 * keyed states get ids in registration order, which is their kv-state-id order here. So a single
 * scan of the whole snapshot already yields the keyed entries in canonical order: the iterator
 * reads it once, sequentially, and only interleaves the timers at key-group boundaries. (A scan
 * per key group and state would seek into every run once per pair, thousands of seeks for an
 * ordinary job, each decoding a block it mostly does not need.)
 *
 * <p>Entries of key groups outside the backend's range are skipped (a store never holds them
 * after a canonical restore, but the check costs one comparison), as are entries of state ids no
 * source asks for.
 */
final class SpillwayKeyValueStateIterator implements KeyValueStateIterator {

    private static final byte[] EMPTY = new byte[0];

    /** What one kv-state id of the snapshot reads from. */
    static final class Source {
        final int stateId;
        final boolean ambiguousKeyPossible;
        @Nullable final StateSnapshotTransformer<byte[]> transformer;
        @Nullable final HeapPriorityQueueStateSnapshot<?> queue;
        /** Timers kept in the store ({@link StoreTimerKeys}), read like keyed entries. */
        final boolean storeTimers;

        private Source(
                int stateId,
                boolean ambiguousKeyPossible,
                @Nullable StateSnapshotTransformer<byte[]> transformer,
                @Nullable HeapPriorityQueueStateSnapshot<?> queue,
                boolean storeTimers) {
            this.stateId = stateId;
            this.ambiguousKeyPossible = ambiguousKeyPossible;
            this.transformer = transformer;
            this.queue = queue;
            this.storeTimers = storeTimers;
        }

        static Source keyed(
                int stateId,
                boolean ambiguousKeyPossible,
                @Nullable StateSnapshotTransformer<byte[]> transformer) {
            return new Source(stateId, ambiguousKeyPossible, transformer, null, false);
        }

        static Source timers(HeapPriorityQueueStateSnapshot<?> queue) {
            return new Source(-1, false, null, queue, false);
        }

        static Source storeTimers(int stateId) {
            return new Source(stateId, false, null, null, true);
        }
    }

    private final List<Source> sources;
    /** kv-state id (position in {@link #sources}) by store state id; -1 for none. */
    private final int[] sourceByStateId;
    /** Position of the first timer source in {@link #sources}. */
    private final int firstTimerSource;
    private final CanonicalKeys canonicalKeys;
    private final KeyGroupRange keyGroupRange;
    private final StoreCursor cursor;
    private final DataOutputSerializer elementOut = new DataOutputSerializer(64);

    /** The key of the entry {@link #cursor} is on, not yet emitted; {@code null} at the end. */
    @Nullable private byte[] cursorKey;

    /** The key group being walked, and where in it: a keyed entry or timer source index. */
    private int currentKeyGroup;
    private int timerSource;
    @Nullable private Iterator<?> queueElements;

    private boolean valid;
    private int keyGroup = -1;
    private int kvStateId = -1;
    private boolean newKeyGroup;
    private boolean newKeyValueState;
    private byte[] key;
    private byte[] value;

    SpillwayKeyValueStateIterator(
            StoreSnapshot snapshot,
            List<Source> sources,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups)
            throws IOException {
        this.sources = sources;
        this.canonicalKeys = new CanonicalKeys(numberOfKeyGroups);
        this.keyGroupRange = keyGroupRange;
        int maxStateId = -1;
        int timers = sources.size();
        for (int i = 0; i < sources.size(); i++) {
            Source source = sources.get(i);
            if (source.queue == null) {
                maxStateId = Math.max(maxStateId, source.stateId);
            } else {
                timers = Math.min(timers, i);
            }
        }
        this.firstTimerSource = timers;
        this.sourceByStateId = new int[maxStateId + 1];
        Arrays.fill(sourceByStateId, -1);
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).queue == null) {
                sourceByStateId[sources.get(i).stateId] = i;
            }
        }
        this.cursor = snapshot.scan(EMPTY, 0);
        this.currentKeyGroup = keyGroupRange.getStartKeyGroup();
        this.timerSource = firstTimerSource;
        try {
            advanceCursor();
            next();
        } catch (IOException | RuntimeException e) {
            IOUtils.closeQuietly(cursor);
            throw e;
        }
    }

    @Override
    public void next() throws IOException {
        while (currentKeyGroup <= keyGroupRange.getEndKeyGroup()) {
            if (emitKeyedEntry() || emitTimer()) {
                return;
            }
            currentKeyGroup++;
            timerSource = firstTimerSource;
            queueElements = null;
        }
        valid = false;
    }

    /** Emits the cursor's entry if it belongs to the current key group; skips filtered ones. */
    private boolean emitKeyedEntry() throws IOException {
        while (cursorKey != null && CompositeKey.keyGroup(cursorKey) == currentKeyGroup) {
            byte[] storeKey = cursorKey;
            int source = sourceByStateId[CompositeKey.stateId(storeKey)];
            Source state = sources.get(source);
            byte[] stored = cursor.value();
            byte[] kept =
                    state.transformer == null ? stored : state.transformer.filterOrTransform(stored);
            advanceCursor();
            if (state.storeTimers) {
                emit(
                        source,
                        StoreTimerKeys.toCanonical(storeKey, canonicalKeys.keyGroupPrefixBytes()),
                        EMPTY);
                return true;
            }
            if (kept != null) {
                emit(source, canonicalKeys.toCanonical(storeKey, state.ambiguousKeyPossible), kept);
                return true;
            }
        }
        return false;
    }

    /** Emits the next timer of the current key group, walking the timer sources in order. */
    @SuppressWarnings("unchecked")
    private boolean emitTimer() throws IOException {
        while (timerSource < sources.size()) {
            Source source = sources.get(timerSource);
            if (queueElements == null) {
                queueElements = source.queue.getIteratorForKeyGroup(currentKeyGroup);
            }
            if (queueElements.hasNext()) {
                elementOut.clear();
                CompositeKeySerializationUtils.writeKeyGroup(
                        currentKeyGroup, canonicalKeys.keyGroupPrefixBytes(), elementOut);
                ((TypeSerializer<Object>) source.queue.getMetaInfo().getElementSerializer())
                        .serialize(queueElements.next(), elementOut);
                emit(timerSource, elementOut.getCopyOfBuffer(), EMPTY);
                return true;
            }
            queueElements = null;
            timerSource++;
        }
        return false;
    }

    /**
     * Moves the cursor to the next entry this snapshot writes: one of a state some source reads,
     * in a key group of the range at or after the current one.
     */
    private void advanceCursor() throws IOException {
        while (cursor.next()) {
            byte[] storeKey = cursor.key();
            int group = CompositeKey.keyGroup(storeKey);
            int stateId = CompositeKey.stateId(storeKey);
            if (group >= currentKeyGroup
                    && group <= keyGroupRange.getEndKeyGroup()
                    && stateId < sourceByStateId.length
                    && sourceByStateId[stateId] >= 0) {
                cursorKey = storeKey;
                return;
            }
        }
        cursorKey = null;
    }

    private void emit(int source, byte[] canonicalKey, byte[] storedValue) {
        newKeyGroup = currentKeyGroup != keyGroup;
        newKeyValueState = newKeyGroup || source != kvStateId;
        keyGroup = currentKeyGroup;
        kvStateId = source;
        key = canonicalKey;
        value = storedValue;
        valid = true;
    }

    @Override
    public int keyGroup() {
        return keyGroup;
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public byte[] value() {
        return value;
    }

    @Override
    public int kvStateId() {
        return kvStateId;
    }

    @Override
    public boolean isNewKeyValueState() {
        return newKeyValueState;
    }

    @Override
    public boolean isNewKeyGroup() {
        return newKeyGroup;
    }

    @Override
    public boolean isValid() {
        return valid;
    }

    @Override
    public void close() {
        IOUtils.closeQuietly(cursor);
    }
}
