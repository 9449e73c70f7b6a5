package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.MapSerializer;

import java.util.Map;

/** Kryo's map serializer with the pre-sized capacity capped as in {@link GuardedCollectionSerializer}. */
@SuppressWarnings({"rawtypes", "unchecked"})
final class GuardedMapSerializer extends MapSerializer<Map> {

    @Override
    protected Map create(Kryo kryo, Input input, Class type, int size) {
        return super.create(kryo, input, type, GuardedInput.capToRemaining(input, size));
    }
}
