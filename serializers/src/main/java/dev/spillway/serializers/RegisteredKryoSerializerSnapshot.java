package dev.spillway.serializers;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The configuration of a {@link RegisteredKryoSerializer} as written into checkpoints and
 * savepoints: the record type and every registration (id, class name, serializer class name).
 *
 * <h2>Format (version 1)</h2>
 *
 * <pre>
 *   UTF     record type class name
 *   boolean reference tracking
 *   int     number of registrations
 *   per registration, ascending id:
 *     int id, UTF class name, boolean has serializer, [UTF serializer class name]
 * </pre>
 *
 * <p>Reading never fails because a class is missing: names are kept, and the decision is left to
 * {@link #resolveSchemaCompatibility} (see {@link RegistrationCompatibility} for the rules) or, for
 * old state that only the restored serializer reads, to the first record that needs the class.
 * Flink 2.x calls {@code resolveSchemaCompatibility} on the snapshot of the NEW serializer and
 * passes the restored one; the reason for any outcome other than "as is" is logged, because
 * Flink's compatibility result has no room for a message.
 */
public final class RegisteredKryoSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {

    private static final Logger LOG = LoggerFactory.getLogger(RegisteredKryoSerializerSnapshot.class);

    private static final int CURRENT_VERSION = 1;

    /** Far more than any real registration set; a larger count means a corrupt snapshot. */
    private static final int MAX_REGISTRATIONS = 1 << 16;

    private String typeName;
    @Nullable private Class<T> type;
    private KryoRegistrations registrations;

    /** For Flink, which creates the snapshot reflectively before {@link #readSnapshot}. */
    public RegisteredKryoSerializerSnapshot() {}

    RegisteredKryoSerializerSnapshot(Class<T> type, KryoRegistrations registrations) {
        this.typeName = type.getName();
        this.type = type;
        this.registrations = registrations;
    }

    @Override
    public int getCurrentVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeUTF(typeName);
        out.writeBoolean(registrations.tracksReferences());
        List<KryoRegistration> entries = registrations.registrations();
        out.writeInt(entries.size());
        for (KryoRegistration registration : entries) {
            out.writeInt(registration.id());
            out.writeUTF(registration.className());
            String serializerClassName = registration.serializerClassName();
            out.writeBoolean(serializerClassName != null);
            if (serializerClassName != null) {
                out.writeUTF(serializerClassName);
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
            throws IOException {
        if (readVersion != CURRENT_VERSION) {
            throw new IOException(
                    "Unknown version "
                            + readVersion
                            + " of the Spillway Kryo serializer snapshot; this build reads version "
                            + CURRENT_VERSION
                            + ". The savepoint was written by a newer Spillway.");
        }
        typeName = in.readUTF();
        boolean trackReferences = in.readBoolean();
        int count = in.readInt();
        if (count < 0 || count > MAX_REGISTRATIONS) {
            throw new IOException(
                    "Corrupt Spillway Kryo serializer snapshot for "
                            + typeName
                            + ": "
                            + count
                            + " registrations.");
        }
        List<KryoRegistration> entries = new ArrayList<>(count);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int id = in.readInt();
            String className = in.readUTF();
            String serializerClassName = in.readBoolean() ? in.readUTF() : null;
            if (id < KryoRegistrations.FIRST_USER_ID
                    || id > KryoRegistrations.MAX_USER_ID
                    || !ids.add(id)) {
                throw new IOException(
                        "Corrupt Spillway Kryo serializer snapshot for "
                                + typeName
                                + ": id "
                                + id
                                + " of "
                                + className
                                + " is out of range or used twice.");
            }
            entries.add(
                    KryoRegistration.resolve(
                            id, className, serializerClassName, userCodeClassLoader));
        }
        registrations = new KryoRegistrations(entries, trackReferences);
        try {
            type = (Class<T>) Class.forName(typeName, false, userCodeClassLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            type = null;
        }
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
        if (type == null) {
            throw new IllegalStateException(
                    "The state was written for type "
                            + typeName
                            + ", which is not on the classpath. Add the jar that contains it to"
                            + " the job to read this state.");
        }
        return new RegisteredKryoSerializer<>(type, registrations);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
            TypeSerializerSnapshot<T> oldSerializerSnapshot) {
        if (!(oldSerializerSnapshot instanceof RegisteredKryoSerializerSnapshot)) {
            LOG.warn(
                    "State of {} was written by {}, not by Spillway's registered Kryo serializer;"
                            + " it cannot be read with the new serializer.",
                    typeName,
                    oldSerializerSnapshot.getClass().getName());
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        RegisteredKryoSerializerSnapshot<T> old =
                (RegisteredKryoSerializerSnapshot<T>) oldSerializerSnapshot;
        RegistrationCompatibility result =
                RegistrationCompatibility.resolve(
                        old.typeName, old.registrations, typeName, registrations);
        switch (result.outcome()) {
            case COMPATIBLE_AS_IS:
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            case COMPATIBLE_WITH_RECONFIGURED_SERIALIZER:
                LOG.info(
                        "Restoring state of {} with reconfigured Kryo registrations: {}",
                        typeName,
                        result.reason());
                return TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
                        new RegisteredKryoSerializer<>(type, result.reconfigured()));
            case COMPATIBLE_AFTER_MIGRATION:
                LOG.info("Migrating state of {}: {}", typeName, result.reason());
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            default:
                LOG.error(
                        "State of {} cannot be restored with the current Kryo registrations: {}",
                        typeName,
                        result.reason());
                return TypeSerializerSchemaCompatibility.incompatible();
        }
    }

    /** The registrations recorded in this snapshot. */
    public KryoRegistrations getRegistrations() {
        return registrations;
    }

    /** The record type's class name recorded in this snapshot. */
    public String getTypeName() {
        return typeName;
    }
}
