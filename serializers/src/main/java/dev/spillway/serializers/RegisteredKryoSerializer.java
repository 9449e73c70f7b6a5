package dev.spillway.serializers;

import com.esotericsoftware.kryo.KryoException;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.lang.reflect.Modifier;

/**
 * A Flink {@link TypeSerializer} that writes a user type with Kryo 5 in registration-required mode:
 * only the classes in its {@link KryoRegistrations} can be written, each under its stable id.
 *
 * <h2>Record format</h2>
 *
 * <pre>
 *   [length: unsigned LEB128 varint, 1..4 bytes][Kryo bytes: class id of the record, then its fields]
 * </pre>
 *
 * <p>The length prefix costs one byte for records under 128 bytes and buys three things: reading
 * never over-fetches from the Flink stream (Kryo's input is handed exactly one record), a corrupt
 * or truncated record is detected by its length before Kryo sees it, and {@link
 * #copy(DataInputView, DataOutputView)} moves bytes without decoding them. No record may exceed
 * {@link #MAX_RECORD_BYTES}, on write as on read, so a corrupt length never becomes a huge
 * allocation.
 *
 * <h2>Threading</h2>
 *
 * <p>Each instance owns a Kryo and its buffers, created lazily (so the serializer stays cheap to
 * ship through Java serialization); {@link #duplicate()} gives a fresh, independent one, as Flink
 * requires for stateful serializers.
 */
public final class RegisteredKryoSerializer<T> extends TypeSerializer<T> {

    private static final long serialVersionUID = 1L;

    /** The largest record, in Kryo bytes, that is written or accepted on read. */
    public static final int MAX_RECORD_BYTES = 64 * 1024 * 1024;

    private final Class<T> type;
    private final KryoRegistrations registrations;

    private transient KryoRecordCodec codec;

    /**
     * @throws UnregisteredClassException if the type is a concrete class without a registration
     *     (an interface or abstract type needs none; its implementations do)
     */
    public RegisteredKryoSerializer(Class<T> type, KryoRegistrations registrations) {
        if (type == null || registrations == null) {
            throw new IllegalArgumentException("The type and its registrations must not be null.");
        }
        if (isConcrete(type) && registrations.forClassName(type.getName()) == null) {
            throw UnregisteredClassException.of(type, type, registrations);
        }
        this.type = type;
        this.registrations = registrations;
    }

    public Class<T> getType() {
        return type;
    }

    public KryoRegistrations getRegistrations() {
        return registrations;
    }

    private KryoRecordCodec codec() {
        KryoRecordCodec current = codec;
        if (current == null) {
            current = new KryoRecordCodec(type, registrations);
            codec = current;
        }
        return current;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return new RegisteredKryoSerializer<>(type, registrations);
    }

    private static boolean isConcrete(Class<?> type) {
        return !type.isInterface() && !Modifier.isAbstract(type.getModifiers());
    }

    @Override
    public T createInstance() {
        return isConcrete(type) ? type.cast(codec().newInstance(type)) : null;
    }

    @Override
    public T copy(T from) {
        return type.cast(codec().copy(from));
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        KryoRecordCodec codec = codec();
        int length;
        try {
            length = codec.encode(record);
        } catch (KryoException e) {
            UnregisteredClassException unregistered = UnregisteredClassException.findIn(e);
            if (unregistered != null) {
                // Keep Kryo's serialization trace: it says through which field the class was reached.
                throw new UnregisteredClassException(
                        unregistered.getUnregisteredClassName(),
                        unregistered.getMessage() + "\nReached through: " + e.getMessage());
            }
            throw new IOException(
                    "Cannot write a record of type "
                            + type.getName()
                            + " (records are limited to "
                            + MAX_RECORD_BYTES
                            + " bytes): "
                            + e.getMessage(),
                    e);
        }
        RecordLength.write(length, target);
        target.write(codec.encodedBytes(), 0, length);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        int length = RecordLength.read(source, type);
        Object record;
        try {
            record = codec().decode(source, length);
        } catch (RuntimeException e) {
            throw new IOException(
                    "Cannot read a record of type "
                            + type.getName()
                            + " ("
                            + length
                            + " bytes): the bytes are corrupt or were written with other"
                            + " registrations. "
                            + e.getMessage(),
                    e);
        }
        if (record != null && !type.isInstance(record)) {
            throw new IOException(
                    "Corrupt record: expected a "
                            + type.getName()
                            + " but read a "
                            + record.getClass().getName()
                            + ".");
        }
        return type.cast(record);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = RecordLength.read(source, type);
        RecordLength.write(length, target);
        target.write(source, length);
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new RegisteredKryoSerializerSnapshot<>(type, registrations);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RegisteredKryoSerializer)) {
            return false;
        }
        RegisteredKryoSerializer<?> that = (RegisteredKryoSerializer<?>) o;
        return type == that.type && registrations.equals(that.registrations);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + registrations.hashCode();
    }

    @Override
    public String toString() {
        return "RegisteredKryoSerializer{" + type.getName() + ", " + registrations + "}";
    }
}
