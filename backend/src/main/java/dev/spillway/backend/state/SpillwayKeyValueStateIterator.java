package dev.spillway.backend.state;

import dev.spillway.backend.store.CompositeKey;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.StoreSnapshot;

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
import java.util.Iterator;
import java.util.List;

/**
 * Walks a snapshot in the order of Flink's canonical format, key group by key group and, inside a
 * key group, state by state in kv-state-id order: the keyed states first (one prefix scan of the
 * store snapshot each), then the timer queues (the heap queue's elements of that key group). Keys
 * come out in canonical form (see {@link CanonicalKeys}); values as stored, through the state's
 * snapshot transformer when it has one (TTL full-snapshot cleanup). Each key is a fresh array: the
 * writer flips a flag bit in it.
 */
final class SpillwayKeyValueStateIterator implements KeyValueStateIterator {

    private static final byte[] EMPTY = new byte[0];

    /** What one kv-state id of the snapshot reads from. */
    static final class Source {
        final int stateId;
        final boolean ambiguousKeyPossible;
        @Nullable final StateSnapshotTransformer<byte[]> transformer;
        @Nullable final HeapPriorityQueueStateSnapshot<?> queue;

        private Source(
                int stateId,
                boolean ambiguousKeyPossible,
                @Nullable StateSnapshotTransformer<byte[]> transformer,
                @Nullable HeapPriorityQueueStateSnapshot<?> queue) {
            this.stateId = stateId;
            this.ambiguousKeyPossible = ambiguousKeyPossible;
            this.transformer = transformer;
            this.queue = queue;
        }

        static Source keyed(
                int stateId,
                boolean ambiguousKeyPossible,
                @Nullable StateSnapshotTransformer<byte[]> transformer) {
            return new Source(stateId, ambiguousKeyPossible, transformer, null);
        }

        static Source timers(HeapPriorityQueueStateSnapshot<?> queue) {
            return new Source(-1, false, null, queue);
        }
    }

    private final StoreSnapshot snapshot;
    private final List<Source> sources;
    private final CanonicalKeys canonicalKeys;
    private final Iterator<Integer> keyGroups;
    private final byte[] statePrefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
    private final DataOutputSerializer elementOut = new DataOutputSerializer(64);

    private int currentKeyGroup = -1;
    private int sourceIndex;
    @Nullable private StoreCursor cursor;
    @Nullable private Iterator<?> queueElements;
    @Nullable private TypeSerializer<Object> elementSerializer;

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
        this.snapshot = snapshot;
        this.sources = sources;
        this.canonicalKeys = new CanonicalKeys(numberOfKeyGroups);
        this.keyGroups = keyGroupRange.iterator();
        this.sourceIndex = sources.size();
        next();
    }

    @Override
    public void next() throws IOException {
        while (!readFromCurrentSource()) {
            if (!openNextSource()) {
                valid = false;
                closeCursor();
                return;
            }
        }
    }

    private boolean readFromCurrentSource() throws IOException {
        if (cursor != null) {
            Source source = sources.get(sourceIndex);
            while (cursor.next()) {
                byte[] stored = cursor.value();
                byte[] kept =
                        source.transformer == null
                                ? stored
                                : source.transformer.filterOrTransform(stored);
                if (kept != null) {
                    emit(canonicalKeys.toCanonical(cursor.key(), source.ambiguousKeyPossible), kept);
                    return true;
                }
            }
            return false;
        }
        if (queueElements != null && queueElements.hasNext()) {
            elementOut.clear();
            CompositeKeySerializationUtils.writeKeyGroup(
                    currentKeyGroup, canonicalKeys.keyGroupPrefixBytes(), elementOut);
            elementSerializer.serialize(queueElements.next(), elementOut);
            emit(elementOut.getCopyOfBuffer(), EMPTY);
            return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private boolean openNextSource() throws IOException {
        closeCursor();
        queueElements = null;
        sourceIndex++;
        while (sourceIndex >= sources.size()) {
            if (!keyGroups.hasNext()) {
                return false;
            }
            currentKeyGroup = keyGroups.next();
            sourceIndex = 0;
        }
        Source source = sources.get(sourceIndex);
        if (source.queue == null) {
            CompositeKey.writeStatePrefix(statePrefix, currentKeyGroup, source.stateId);
            cursor = snapshot.scan(statePrefix, statePrefix.length);
        } else {
            queueElements = source.queue.getIteratorForKeyGroup(currentKeyGroup);
            elementSerializer =
                    (TypeSerializer<Object>) source.queue.getMetaInfo().getElementSerializer();
        }
        return true;
    }

    private void emit(byte[] canonicalKey, byte[] storedValue) {
        newKeyGroup = currentKeyGroup != keyGroup;
        newKeyValueState = newKeyGroup || sourceIndex != kvStateId;
        keyGroup = currentKeyGroup;
        kvStateId = sourceIndex;
        key = canonicalKey;
        value = storedValue;
        valid = true;
    }

    private void closeCursor() throws IOException {
        if (cursor != null) {
            StoreCursor open = cursor;
            cursor = null;
            open.close();
        }
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
        cursor = null;
    }
}
