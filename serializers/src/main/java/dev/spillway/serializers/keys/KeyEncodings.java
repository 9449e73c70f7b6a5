package dev.spillway.serializers.keys;

import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.util.Arrays;

/**
 * The key encodings, for the store to use inside composite keys.
 *
 * <table>
 *   <caption>Encodings and their order</caption>
 *   <tr><th>encoding</th><th>bytes</th><th>byte order = value order?</th></tr>
 *   <tr><td>{@link #LONG}</td><td>8, big-endian, sign bit flipped</td><td>yes (signed)</td></tr>
 *   <tr><td>{@link #INT}</td><td>4, big-endian, sign bit flipped</td><td>yes (signed)</td></tr>
 *   <tr><td>{@link #STRING}</td><td>UTF-8 (unpaired surrogates as 3 bytes), {@code 00} escaped
 *       as {@code 00 FF}, ended by {@code 00 01}</td><td>yes, code point order (= {@code
 *       String.compareTo} except U+E000..U+FFFF against supplementary characters)</td></tr>
 *   <tr><td>{@link #BYTES}</td><td>the bytes, {@code 00} escaped as {@code 00 FF}, ended by
 *       {@code 00 01}</td><td>yes, unsigned lexicographic</td></tr>
 *   <tr><td>{@link #tuple}</td><td>the fields' encodings in order</td><td>yes, lexicographic by
 *       field, if every field's is</td></tr>
 * </table>
 */
public final class KeyEncodings {

    public static final KeyEncoding<Long> LONG = new SignFlippedLongEncoding();
    public static final KeyEncoding<Integer> INT = new SignFlippedIntEncoding();
    public static final KeyEncoding<String> STRING = new TerminatedUtf8StringEncoding();
    public static final KeyEncoding<byte[]> BYTES = new TerminatedByteArrayEncoding();

    private KeyEncodings() {}

    /** The encoding of a Flink tuple ({@code Tuple2} and so on) whose fields use these encodings. */
    public static <T extends Tuple> KeyEncoding<T> tuple(KeyEncoding<?>... fields) {
        return new TupleEncoding<>(Arrays.asList(fields));
    }

    /** The value's encoding as a new array. */
    public static <T> byte[] toBytes(KeyEncoding<T> encoding, T value) {
        int size = encoding.fixedLength() > 0 ? encoding.fixedLength() : 32;
        DataOutputSerializer out = new DataOutputSerializer(size);
        try {
            encoding.encode(value, out);
        } catch (IOException e) {
            throw new IllegalStateException("Writing to memory cannot fail", e);
        }
        return out.getCopyOfBuffer();
    }

    /** Decodes a value that must take exactly all of the bytes. */
    public static <T> T fromBytes(KeyEncoding<T> encoding, byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        T value = encoding.decode(in);
        if (in.available() != 0) {
            throw new IOException(
                    "Corrupt key: " + in.available() + " bytes left after a " + encoding + " value.");
        }
        return value;
    }
}
