package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.ListDelimitedSerializer;
import org.apache.flink.runtime.state.StateSnapshotTransformer;
import org.apache.flink.runtime.state.StateSnapshotTransformer.CollectionStateSnapshotTransformer;
import org.apache.flink.runtime.state.StateSnapshotTransformer.StateSnapshotTransformFactory;
import org.apache.flink.util.FlinkRuntimeException;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Adapts a state's snapshot transformer (Flink's TTL full-snapshot cleanup installs one) to the
 * stored value bytes, which the snapshot iterator sees: a value state's bytes go to the
 * transformer as they are; a map entry's value is stripped of its null flag first; a list is split
 * into elements, each filtered, and joined again.
 */
final class SerializedSnapshotTransforms {

    private SerializedSnapshotTransforms() {}

    /** A factory whose transformers take the stored bytes of the given state type. */
    @SuppressWarnings("unchecked")
    static <SV, SEV> StateSnapshotTransformFactory<SV> wrap(
            StateDescriptor.Type type,
            StateSnapshotTransformFactory<SEV> original,
            TypeSerializer<SV> stateSerializer) {
        switch (type) {
            case LIST:
                TypeSerializer<SEV> elements =
                        ((ListSerializer<SEV>) stateSerializer).getElementSerializer();
                return forSerialized(
                        () ->
                                original.createForDeserializedState()
                                        .map(t -> new ListTransformer<>(t, elements.duplicate())));
            case MAP:
                return forSerialized(
                        () -> original.createForSerializedState().map(MapValueTransformer::new));
            default:
                return forSerialized(original::createForSerializedState);
        }
    }

    /**
     * Transformers are not thread-safe and each snapshot uses its own, so the factory creates a
     * new one on every call.
     */
    private static <SV> StateSnapshotTransformFactory<SV> forSerialized(
            Supplier<Optional<? extends StateSnapshotTransformer<byte[]>>> transformers) {
        return new StateSnapshotTransformFactory<SV>() {
            @Override
            public Optional<StateSnapshotTransformer<SV>> createForDeserializedState() {
                return Optional.empty();
            }

            @Override
            public Optional<StateSnapshotTransformer<byte[]>> createForSerializedState() {
                return transformers.get().map(t -> t);
            }
        };
    }

    /** Filters a map value given as {@code [null flag][value]}. */
    private static final class MapValueTransformer implements StateSnapshotTransformer<byte[]> {
        private final StateSnapshotTransformer<byte[]> valueTransformer;

        MapValueTransformer(StateSnapshotTransformer<byte[]> valueTransformer) {
            this.valueTransformer = valueTransformer;
        }

        @Nullable
        @Override
        public byte[] filterOrTransform(@Nullable byte[] value) {
            if (value == null || value.length == 0 || value[0] != 0) {
                return value;
            }
            byte[] withoutFlag = Arrays.copyOfRange(value, 1, value.length);
            byte[] transformed = valueTransformer.filterOrTransform(withoutFlag);
            if (transformed == null) {
                return null;
            }
            byte[] withFlag = new byte[transformed.length + 1];
            System.arraycopy(transformed, 0, withFlag, 1, transformed.length);
            return withFlag;
        }
    }

    /** Filters the elements of a delimited list; drops the list when no element is left. */
    private static final class ListTransformer<T> implements StateSnapshotTransformer<byte[]> {
        private final StateSnapshotTransformer<T> elementTransformer;
        private final TypeSerializer<T> elementSerializer;
        private final boolean stopOnFirstIncluded;
        private final DataInputDeserializer in = new DataInputDeserializer();
        private final DataOutputSerializer out = new DataOutputSerializer(128);

        ListTransformer(StateSnapshotTransformer<T> elementTransformer, TypeSerializer<T> serializer) {
            this.elementTransformer = elementTransformer;
            this.elementSerializer = serializer;
            this.stopOnFirstIncluded =
                    elementTransformer instanceof CollectionStateSnapshotTransformer
                            && ((CollectionStateSnapshotTransformer<?>) elementTransformer)
                                            .getFilterStrategy()
                                    == CollectionStateSnapshotTransformer.TransformStrategy
                                            .STOP_ON_FIRST_INCLUDED;
        }

        @Nullable
        @Override
        public byte[] filterOrTransform(@Nullable byte[] value) {
            if (value == null) {
                return null;
            }
            try {
                in.setBuffer(value);
                out.clear();
                int elementStart = 0;
                int keptCount = 0;
                T element;
                while ((element = ListDelimitedSerializer.deserializeNextElement(in, elementSerializer))
                        != null) {
                    T kept = elementTransformer.filterOrTransform(element);
                    if (kept != null) {
                        if (stopOnFirstIncluded) {
                            return Arrays.copyOfRange(value, elementStart, value.length);
                        }
                        if (keptCount++ > 0) {
                            out.write(StateStore.LIST_DELIMITER);
                        }
                        elementSerializer.serialize(kept, out);
                    }
                    elementStart = in.getPosition();
                }
                return keptCount == 0 ? null : out.getCopyOfBuffer();
            } catch (IOException e) {
                throw new FlinkRuntimeException("Cannot filter list state for a snapshot", e);
            }
        }
    }
}
