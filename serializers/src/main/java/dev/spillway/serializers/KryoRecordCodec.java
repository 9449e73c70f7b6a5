package dev.spillway.serializers;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Output;

import org.apache.flink.core.memory.DataInputView;

import java.io.IOException;

/**
 * The per-serializer working set: one Kryo, one output buffer, one input and one read buffer,
 * reused for every record. Not thread-safe; each {@link RegisteredKryoSerializer} duplicate owns
 * one.
 *
 * <p>Buffers grow to the largest record seen, so the steady state allocates nothing per record.
 * After a record larger than {@link #RETAINED_BUFFER_BYTES} they shrink back, so one huge value
 * does not pin its size in every serializer for the life of the job.
 */
final class KryoRecordCodec {

    private static final int INITIAL_BUFFER_BYTES = 256;
    private static final int RETAINED_BUFFER_BYTES = 64 * 1024;

    private final RegisteredKryo kryo;
    private final Output output;
    private final GuardedInput input = new GuardedInput();
    private byte[] readBuffer = new byte[INITIAL_BUFFER_BYTES];
    /** Set once Kryo reports that some serializer in the graph cannot copy. */
    private boolean copyBySerialization;

    KryoRecordCodec(Class<?> recordType, KryoRegistrations registrations) {
        this.kryo = new RegisteredKryo(recordType, registrations);
        this.output = new Output(INITIAL_BUFFER_BYTES, RegisteredKryoSerializer.MAX_RECORD_BYTES);
    }

    /**
     * Writes the record (with its class id, so subclasses and null round-trip) into the output
     * buffer and returns its length; the bytes are {@link #encodedBytes()}{@code [0, length)}.
     */
    int encode(Object record) {
        if (output.getBuffer().length > RETAINED_BUFFER_BYTES) {
            output.setBuffer(new byte[INITIAL_BUFFER_BYTES], RegisteredKryoSerializer.MAX_RECORD_BYTES);
        }
        output.reset();
        kryo.writeClassAndObject(output, record);
        return output.position();
    }

    byte[] encodedBytes() {
        return output.getBuffer();
    }

    /** Reads exactly {@code length} bytes from the source and decodes one record from them. */
    Object decode(DataInputView source, int length) throws IOException {
        boolean oversized = readBuffer.length > RETAINED_BUFFER_BYTES && length <= RETAINED_BUFFER_BYTES;
        if (readBuffer.length < length || oversized) {
            readBuffer = new byte[Math.max(length, INITIAL_BUFFER_BYTES)];
        }
        source.readFully(readBuffer, 0, length);
        return decode(readBuffer, length);
    }

    private Object decode(byte[] bytes, int length) {
        input.setBuffer(bytes, 0, length);
        Object record = kryo.readClassAndObject(input);
        if (input.position() != length) {
            throw new KryoException(
                    "Corrupt record: the record ended after "
                            + input.position()
                            + " of its "
                            + length
                            + " bytes.");
        }
        return record;
    }

    /**
     * A deep copy. Kryo's own copy is used while every serializer in the graph supports it; a
     * custom serializer without {@code copy} makes this fall back to a round trip through the
     * buffers, and it stays there.
     */
    Object copy(Object record) {
        if (record == null) {
            return null;
        }
        if (!copyBySerialization) {
            try {
                return kryo.copy(record);
            } catch (KryoException e) {
                copyBySerialization = true;
            }
        }
        int length = encode(record);
        return decode(output.getBuffer(), length);
    }

    Object newInstance(Class<?> type) {
        return kryo.newInstance(type);
    }
}
