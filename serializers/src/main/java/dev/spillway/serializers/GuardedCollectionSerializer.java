package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;

import java.util.Collection;

/**
 * Kryo's collection serializer, except that the capacity it pre-sizes from the element count read
 * off the wire is capped by the bytes left in the record. A corrupt count can then not allocate a
 * huge backing array; a genuine count still works because the collection grows as elements arrive.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class GuardedCollectionSerializer extends CollectionSerializer<Collection> {

    @Override
    protected Collection create(Kryo kryo, Input input, Class type, int size) {
        return super.create(kryo, input, type, GuardedInput.capToRemaining(input, size));
    }
}
