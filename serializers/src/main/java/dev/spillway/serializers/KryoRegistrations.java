package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The explicit set of classes a {@link RegisteredKryoSerializer} may write, each under a stable id.
 *
 * <p>Why explicit ids: Flink's own {@code KryoSerializer} numbers registrations in the order they
 * were declared, so reordering a list silently changes what the ids in old state mean. Here an id
 * belongs to a class because the user said so, the set is kept sorted by id, and declaration order
 * never matters. The set is also written into every checkpoint (see {@link
 * RegisteredKryoSerializerSnapshot}) so a restore can tell exactly what changed.
 *
 * <pre>{@code
 * KryoRegistrations registrations = KryoRegistrations.builder()
 *         .register(Person.class, 10)
 *         .register(Address.class, 11)
 *         .register(Money.class, 12, MoneySerializer.class)
 *         .build();
 * }</pre>
 *
 * <p>Ids {@code 0..9} belong to Kryo's built-in registrations (primitives, their boxes and {@link
 * String}), which are always present; user ids start at {@value #FIRST_USER_ID}.
 */
public final class KryoRegistrations implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The smallest id a user class may take; lower ids are Kryo's built-in registrations. */
    public static final int FIRST_USER_ID = 10;

    /** The largest id; generous for numbering schemes, small enough to catch corrupt snapshots. */
    public static final int MAX_USER_ID = (1 << 20) - 1;

    private final List<KryoRegistration> byId;
    private final boolean trackReferences;

    KryoRegistrations(List<KryoRegistration> registrations, boolean trackReferences) {
        List<KryoRegistration> sorted = new ArrayList<>(registrations);
        sorted.sort(Comparator.comparingInt(KryoRegistration::id));
        this.byId = Collections.unmodifiableList(sorted);
        this.trackReferences = trackReferences;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The registrations, sorted by id. */
    public List<KryoRegistration> registrations() {
        return byId;
    }

    /**
     * Whether Kryo tracks object references, so shared and cyclic object graphs round-trip. Off by
     * default: it costs a map lookup per object and a byte per reference.
     */
    public boolean tracksReferences() {
        return trackReferences;
    }

    /** The registration of the class with this name, or null. */
    @Nullable
    public KryoRegistration forClassName(String className) {
        for (KryoRegistration registration : byId) {
            if (registration.className().equals(className)) {
                return registration;
            }
        }
        return null;
    }

    /** The smallest user id above every id in use. */
    public int nextFreeId() {
        return byId.isEmpty() ? FIRST_USER_ID : byId.get(byId.size() - 1).id() + 1;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof KryoRegistrations)) {
            return false;
        }
        KryoRegistrations that = (KryoRegistrations) o;
        return trackReferences == that.trackReferences && byId.equals(that.byId);
    }

    @Override
    public int hashCode() {
        return 31 * byId.hashCode() + Boolean.hashCode(trackReferences);
    }

    @Override
    public String toString() {
        return "KryoRegistrations" + byId + (trackReferences ? " with references" : "");
    }

    /**
     * Collects registrations and checks each one as it is declared, so a mistake fails where it is
     * written, not at the first record.
     */
    public static final class Builder {

        private final TreeMap<Integer, KryoRegistration> byId = new TreeMap<>();
        private final Map<Class<?>, Integer> idByClass = new HashMap<>();
        private boolean trackReferences;

        private Builder() {}

        /** Registers a class under a stable id, written with Kryo's default serializer for it. */
        public Builder register(Class<?> type, int id) {
            return add(type, id, null);
        }

        /**
         * Registers a class under a stable id, written by the given Kryo serializer class. The
         * serializer needs a public constructor taking {@code (Kryo, Class)}, {@code (Kryo)},
         * {@code (Class)} or nothing.
         */
        @SuppressWarnings("rawtypes")
        public Builder register(Class<?> type, int id, Class<? extends Serializer> serializerClass) {
            if (serializerClass == null) {
                throw new IllegalArgumentException(
                        "The serializer class for " + type + " is null; use register(type, id).");
            }
            checkInstantiable(serializerClass);
            return add(type, id, serializerClass);
        }

        /** Turns on Kryo reference tracking; needed for shared or cyclic object graphs. */
        public Builder trackReferences(boolean track) {
            this.trackReferences = track;
            return this;
        }

        public KryoRegistrations build() {
            return new KryoRegistrations(new ArrayList<>(byId.values()), trackReferences);
        }

        @SuppressWarnings("rawtypes")
        private Builder add(
                Class<?> type, int id, @Nullable Class<? extends Serializer> serializerClass) {
            if (type == null) {
                throw new IllegalArgumentException("Cannot register a null class (id " + id + ").");
            }
            if (isBuiltIn(type)) {
                throw new IllegalArgumentException(
                        type.getName()
                                + " is registered by Kryo itself (ids 0..9); remove it from the"
                                + " registrations.");
            }
            if (id < FIRST_USER_ID || id > MAX_USER_ID) {
                throw new IllegalArgumentException(
                        "Id "
                                + id
                                + " for "
                                + type.getName()
                                + " is out of range: user ids go from "
                                + FIRST_USER_ID
                                + " to "
                                + MAX_USER_ID
                                + ".");
            }
            KryoRegistration taken = byId.get(id);
            if (taken != null) {
                throw new IllegalArgumentException(
                        "Id "
                                + id
                                + " is already taken by "
                                + taken.className()
                                + "; give "
                                + type.getName()
                                + " another id (the next free one is "
                                + nextFreeId()
                                + ").");
            }
            Integer existing = idByClass.get(type);
            if (existing != null) {
                throw new IllegalArgumentException(
                        type.getName()
                                + " is already registered with id "
                                + existing
                                + "; a class has exactly one id.");
            }
            byId.put(id, KryoRegistration.of(type, id, serializerClass));
            idByClass.put(type, id);
            return this;
        }

        private int nextFreeId() {
            return byId.isEmpty() ? FIRST_USER_ID : byId.lastKey() + 1;
        }

        private static boolean isBuiltIn(Class<?> type) {
            return type.isPrimitive()
                    || type == String.class
                    || type == Integer.class
                    || type == Long.class
                    || type == Float.class
                    || type == Double.class
                    || type == Boolean.class
                    || type == Byte.class
                    || type == Character.class
                    || type == Short.class;
        }

        @SuppressWarnings("rawtypes")
        private static void checkInstantiable(Class<? extends Serializer> serializerClass) {
            if (Modifier.isAbstract(serializerClass.getModifiers())) {
                throw new IllegalArgumentException(
                        "Kryo serializer " + serializerClass.getName() + " is abstract.");
            }
            Class<?>[][] accepted = {{Kryo.class, Class.class}, {Kryo.class}, {Class.class}, {}};
            for (Class<?>[] parameters : accepted) {
                try {
                    serializerClass.getConstructor(parameters);
                    return;
                } catch (NoSuchMethodException e) {
                    // try the next shape
                }
            }
            throw new IllegalArgumentException(
                    "Kryo serializer "
                            + serializerClass.getName()
                            + " needs a public constructor taking (Kryo, Class), (Kryo), (Class)"
                            + " or no arguments.");
        }
    }
}
