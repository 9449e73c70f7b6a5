package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.ObjectArraySerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;

import org.objenesis.strategy.StdInstantiatorStrategy;


/**
 * A Kryo instance configured from {@link KryoRegistrations}: registration required, every user
 * class under its own id, collections, maps and object arrays read through length guards (see
 * {@link GuardedInput}), and an error for
 * unregistered classes that says how to register them.
 *
 * <p>A registration whose class (or serializer class) could not be loaded on restore is bound to a
 * {@link MissingClassSerializer} under its old id: old state that never mentions the class reads
 * fine, and a record that does fails with the class name instead of "unregistered class ID 12".
 */
final class RegisteredKryo extends Kryo {

    private final KryoRegistrations registrations;
    private final Class<?> recordType;

    RegisteredKryo(Class<?> recordType, KryoRegistrations registrations) {
        this.recordType = recordType;
        this.registrations = registrations;
        setRegistrationRequired(true);
        setReferences(registrations.tracksReferences());
        // Classes without a no-arg constructor are created through Objenesis, as Flink does.
        setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        for (KryoRegistration registration : registrations.registrations()) {
            register(registration);
        }
    }

    private void register(KryoRegistration registration) {
        if (!registration.isResolved()) {
            register(
                    new Registration(
                            MissingClassSerializer.Placeholder.class,
                            new MissingClassSerializer(registration),
                            registration.id()));
        } else if (registration.serializerClass() == null) {
            register(registration.type(), registration.id());
        } else {
            register(
                    registration.type(),
                    SerializerFactory.ReflectionSerializerFactory.newSerializer(
                            this, registration.serializerClass(), registration.type()),
                    registration.id());
        }
    }

    /**
     * Kryo calls this only to build the message of the exception it is about to throw for an
     * unregistered class (registration is required, so never just to warn); throwing our own,
     * typed exception from here lets the serializer recognise the failure through Kryo's wrapping.
     */
    @Override
    @SuppressWarnings("rawtypes")
    protected String unregisteredClassMessage(Class type) {
        throw UnregisteredClassException.of(type, recordType, registrations);
    }

    /**
     * Kryo's choice, except that its plain collection, map and object-array serializers are
     * swapped for the guarded versions. Swapping after the choice (rather than adding default
     * serializers for {@code Collection} and {@code Map}, which would take precedence over Kryo's
     * more specific ones for {@code TreeMap}, {@code EnumSet} and the like) changes nothing else.
     */
    @Override
    @SuppressWarnings("rawtypes")
    public Serializer getDefaultSerializer(Class type) {
        Serializer chosen = super.getDefaultSerializer(type);
        if (chosen.getClass() == CollectionSerializer.class) {
            return new GuardedCollectionSerializer();
        }
        if (chosen.getClass() == MapSerializer.class) {
            return new GuardedMapSerializer();
        }
        if (chosen.getClass() == ObjectArraySerializer.class) {
            return new GuardedObjectArraySerializer(this, type);
        }
        return chosen;
    }
}
