package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.ObjectArraySerializer;

/**
 * Kryo's object-array serializer, refusing an element count larger than the bytes left in the
 * record before the array is allocated. Every element takes at least one byte (a null marker or a
 * class id), so a larger count can only come from corrupt bytes.
 */
@SuppressWarnings("rawtypes")
final class GuardedObjectArraySerializer extends ObjectArraySerializer {

    GuardedObjectArraySerializer(Kryo kryo, Class type) {
        super(kryo, type);
    }

    @Override
    public Object[] read(Kryo kryo, Input input, Class type) {
        int start = input.position();
        int lengthPlusOne = input.readVarInt(true);
        input.setPosition(start);
        if (lengthPlusOne != Kryo.NULL) {
            GuardedInput.checkCount(
                    input, lengthPlusOne - 1L, 1, "array of " + type.getComponentType().getName());
        }
        return super.read(kryo, input, type);
    }
}
