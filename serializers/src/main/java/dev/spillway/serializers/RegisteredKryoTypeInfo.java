package dev.spillway.serializers;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The {@link TypeInformation} that makes Flink use a {@link RegisteredKryoSerializer} for a type,
 * in records and in state. Usually created by a {@link RegisteredKryoTypeInfoFactory}; can also be
 * passed directly, e.g. {@code new ValueStateDescriptor<>("name", new RegisteredKryoTypeInfo<>(
 * Person.class, registrations))}.
 *
 * <p>Not a key type: serialized-state backends compare key bytes, and Kryo does not promise equal
 * bytes for equal objects (a {@code HashMap} field writes in hash-table order). Key by a field of a
 * Flink basic type or tuple instead.
 */
public final class RegisteredKryoTypeInfo<T> extends TypeInformation<T> {

    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final KryoRegistrations registrations;

    public RegisteredKryoTypeInfo(Class<T> type, KryoRegistrations registrations) {
        if (type == null || registrations == null) {
            throw new IllegalArgumentException("The type and its registrations must not be null.");
        }
        this.type = type;
        this.registrations = registrations;
    }

    public KryoRegistrations getRegistrations() {
        return registrations;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    /** The serializer ignores Flink's Kryo settings: its registrations are all it needs. */
    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new RegisteredKryoSerializer<>(type, registrations);
    }

    @Override
    public String toString() {
        return "RegisteredKryoTypeInfo<" + type.getName() + ">";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RegisteredKryoTypeInfo)) {
            return false;
        }
        RegisteredKryoTypeInfo<?> that = (RegisteredKryoTypeInfo<?>) o;
        return that.canEqual(this) && type == that.type && registrations.equals(that.registrations);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + registrations.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof RegisteredKryoTypeInfo;
    }
}
