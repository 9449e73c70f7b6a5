package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;
import dev.spillway.backend.store.StoreCursor;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.util.FlinkRuntimeException;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Iterates the entries of one map row over a store cursor. The cursor is one entry ahead (that is
 * how {@link #hasNext()} knows), so {@link #remove()} and {@link Map.Entry#setValue} write through
 * the store by the entry's own key rather than through the cursor. The cursor is closed when the
 * iteration ends.
 */
final class SpillwayMapIterator<UK, UV> implements Iterator<Map.Entry<UK, UV>> {

    /** Serializes a user value in the stored {@code [null flag][value]} form. */
    @FunctionalInterface
    interface UserValueWriter<UV> {
        byte[] write(UV value) throws IOException;
    }

    private final StateStore store;
    private final StoreCursor cursor;
    private final int rowLength;
    private final TypeSerializer<UK> userKeySerializer;
    private final TypeSerializer<UV> userValueSerializer;
    private final UserValueWriter<UV> valueWriter;
    private final DataInputDeserializer in = new DataInputDeserializer();

    private boolean lookedAhead;
    private boolean hasNext;
    private MapEntry current;

    SpillwayMapIterator(
            StateStore store,
            StoreCursor cursor,
            int rowLength,
            TypeSerializer<UK> userKeySerializer,
            TypeSerializer<UV> userValueSerializer,
            UserValueWriter<UV> valueWriter) {
        this.store = store;
        this.cursor = cursor;
        this.rowLength = rowLength;
        this.userKeySerializer = userKeySerializer;
        this.userValueSerializer = userValueSerializer;
        this.valueWriter = valueWriter;
    }

    @Override
    public boolean hasNext() {
        if (!lookedAhead) {
            try {
                hasNext = cursor.next();
                if (!hasNext) {
                    cursor.close();
                }
            } catch (IOException e) {
                throw new FlinkRuntimeException("Cannot read the next map entry", e);
            }
            lookedAhead = true;
        }
        return hasNext;
    }

    @Override
    public Map.Entry<UK, UV> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        lookedAhead = false;
        current = new MapEntry(cursor.key(), cursor.value());
        return current;
    }

    @Override
    public void remove() {
        if (current == null || current.deleted) {
            throw new IllegalStateException("remove() without a preceding next()");
        }
        try {
            store.delete(current.storeKey, current.storeKey.length);
            current.deleted = true;
        } catch (IOException e) {
            throw new FlinkRuntimeException("Cannot remove a map entry", e);
        }
    }

    /** A map entry that deserializes lazily and writes {@link #setValue} through to the store. */
    private final class MapEntry implements Map.Entry<UK, UV> {
        private final byte[] storeKey;
        private byte[] storeValue;
        private boolean deleted;
        private UK key;
        private UV value;
        private boolean keyRead;
        private boolean valueRead;

        MapEntry(byte[] storeKey, byte[] storeValue) {
            this.storeKey = storeKey;
            this.storeValue = storeValue;
        }

        @Override
        public UK getKey() {
            if (!keyRead) {
                try {
                    in.setBuffer(storeKey, rowLength, storeKey.length - rowLength);
                    key = userKeySerializer.deserialize(in);
                } catch (IOException e) {
                    throw new FlinkRuntimeException("Cannot deserialize a map key", e);
                }
                keyRead = true;
            }
            return key;
        }

        @Override
        public UV getValue() {
            if (deleted) {
                return null;
            }
            if (!valueRead) {
                try {
                    value = SpillwayMapState.deserializeUserValue(storeValue, in, userValueSerializer);
                } catch (IOException e) {
                    throw new FlinkRuntimeException("Cannot deserialize a map value", e);
                }
                valueRead = true;
            }
            return value;
        }

        @Override
        public UV setValue(UV newValue) {
            if (deleted) {
                throw new IllegalStateException("The map entry has been removed");
            }
            UV old = getValue();
            try {
                storeValue = valueWriter.write(newValue);
                store.put(storeKey, storeKey.length, storeValue, 0, storeValue.length);
            } catch (IOException e) {
                throw new FlinkRuntimeException("Cannot update a map entry", e);
            }
            value = newValue;
            valueRead = true;
            return old;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Map.Entry)) {
                return false;
            }
            Map.Entry<?, ?> other = (Map.Entry<?, ?>) o;
            return Objects.equals(getKey(), other.getKey())
                    && Objects.equals(getValue(), other.getValue());
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(getKey()) ^ Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return getKey() + "=" + getValue();
        }
    }
}
