package dev.spillway.serializers.keys;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A deterministic byte encoding of key values, for use inside store keys: equal values always give
 * equal bytes, and every encoding is self-delimiting (fixed width or terminated), so encodings can
 * be concatenated, as in {@link KeyEncodings#tuple}, and decoded back without lengths.
 *
 * <p>Where {@link #preservesOrder()} is true, comparing two encodings as unsigned bytes
 * (lexicographically, shorter prefix first) gives the same order as comparing the values; the
 * table is in {@link KeyEncodings}. Null values cannot be encoded.
 */
public interface KeyEncoding<T> {

    void encode(T value, DataOutputView out) throws IOException;

    /** Reads one value; corrupt or truncated bytes fail with an {@link IOException}. */
    T decode(DataInputView in) throws IOException;

    /** Whether unsigned lexicographic byte order equals the value order (see class comment). */
    boolean preservesOrder();

    /** The encoded size in bytes if it is the same for every value, else -1. */
    int fixedLength();
}
