package dev.spillway.serializers;

import com.esotericsoftware.kryo.Serializer;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.Objects;

/**
 * One registered class: the class, its stable Kryo id and, optionally, the Kryo {@link Serializer}
 * class that writes it (otherwise Kryo's default for the class, usually a field serializer).
 *
 * <p>Identity is by names, not by {@link Class} objects: a registration read back from a snapshot
 * whose class is no longer on the classpath keeps its names and has no class. Such a registration
 * can still take part in compatibility checks and in reading old state, where it fails with a clear
 * message only if a record actually contains the missing class.
 */
public final class KryoRegistration implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int id;
    private final String className;
    @Nullable private final String serializerClassName;

    @Nullable private final Class<?> type;

    @SuppressWarnings("rawtypes")
    @Nullable
    private final Class<? extends Serializer> serializerClass;

    @SuppressWarnings("rawtypes")
    private KryoRegistration(
            int id,
            String className,
            @Nullable String serializerClassName,
            @Nullable Class<?> type,
            @Nullable Class<? extends Serializer> serializerClass) {
        this.id = id;
        this.className = className;
        this.serializerClassName = serializerClassName;
        this.type = type;
        this.serializerClass = serializerClass;
    }

    @SuppressWarnings("rawtypes")
    static KryoRegistration of(
            Class<?> type, int id, @Nullable Class<? extends Serializer> serializerClass) {
        return new KryoRegistration(
                id,
                type.getName(),
                serializerClass == null ? null : serializerClass.getName(),
                type,
                serializerClass);
    }

    /**
     * Resolves a registration read from a snapshot. A class that cannot be loaded is kept by name
     * only (see {@link #isResolved()}); loading never fails here.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static KryoRegistration resolve(
            int id, String className, @Nullable String serializerClassName, ClassLoader loader) {
        Class<?> type = loadOrNull(className, loader);
        Class<?> serializerClass =
                serializerClassName == null ? null : loadOrNull(serializerClassName, loader);
        if (serializerClass != null && !Serializer.class.isAssignableFrom(serializerClass)) {
            serializerClass = null;
        }
        return new KryoRegistration(
                id,
                className,
                serializerClassName,
                type,
                (Class<? extends Serializer>) serializerClass);
    }

    @Nullable
    private static Class<?> loadOrNull(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The stable Kryo id written in front of every instance of this class. */
    public int id() {
        return id;
    }

    public String className() {
        return className;
    }

    /** The Kryo serializer class name, or null when Kryo's default serializer is used. */
    @Nullable
    public String serializerClassName() {
        return serializerClassName;
    }

    /** The class, or null if it could not be loaded when this registration was read back. */
    @Nullable
    public Class<?> type() {
        return type;
    }

    @SuppressWarnings("rawtypes")
    @Nullable
    Class<? extends Serializer> serializerClass() {
        return serializerClass;
    }

    /** True when the class and its serializer class (if any) are loaded. */
    public boolean isResolved() {
        return type != null && (serializerClassName == null || serializerClass != null);
    }

    /** The same class and serializer under another id. */
    KryoRegistration withId(int newId) {
        return new KryoRegistration(newId, className, serializerClassName, type, serializerClass);
    }

    /** Whether the other registration writes the same class with the same serializer. */
    boolean sameClassAndSerializer(KryoRegistration other) {
        return className.equals(other.className)
                && Objects.equals(serializerClassName, other.serializerClassName);
    }

    /** How the user would declare this registration in code; used in error messages. */
    String asBuilderCall() {
        String simple =
                type != null && type.getSimpleName().length() > 0
                        ? type.getSimpleName()
                        : className.substring(className.lastIndexOf('.') + 1).replace('$', '.');
        return serializerClassName == null
                ? ".register(" + simple + ".class, " + id + ")"
                : ".register("
                        + simple
                        + ".class, "
                        + id
                        + ", "
                        + serializerClassName.substring(serializerClassName.lastIndexOf('.') + 1)
                                .replace('$', '.')
                        + ".class)";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof KryoRegistration)) {
            return false;
        }
        KryoRegistration that = (KryoRegistration) o;
        return id == that.id && sameClassAndSerializer(that);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, className, serializerClassName);
    }

    @Override
    public String toString() {
        return id
                + "="
                + className
                + (serializerClassName == null ? "" : " (" + serializerClassName + ")");
    }
}
