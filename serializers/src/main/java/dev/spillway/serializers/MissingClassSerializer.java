package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Stands in for a registration restored from a snapshot whose class or serializer class is no
 * longer on the classpath. It keeps the old id occupied and turns any attempt to read or write such
 * a record into an error that names the class.
 */
final class MissingClassSerializer extends Serializer<Object> {

    /** The type Kryo registers in place of the missing class. */
    static final class Placeholder {
        private Placeholder() {}
    }

    private final KryoRegistration registration;

    MissingClassSerializer(KryoRegistration registration) {
        this.registration = registration;
    }

    @Override
    public void write(Kryo kryo, Output output, Object object) {
        throw missing();
    }

    @Override
    public Object read(Kryo kryo, Input input, Class<?> type) {
        throw missing();
    }

    private KryoException missing() {
        String what =
                registration.type() == null
                        ? "class " + registration.className()
                        : "Kryo serializer class " + registration.serializerClassName();
        return new KryoException(
                "The state contains an instance of "
                        + registration.className()
                        + " (id "
                        + registration.id()
                        + "), but "
                        + what
                        + " is not on the classpath. Add the jar that contains it to the job.");
    }
}
