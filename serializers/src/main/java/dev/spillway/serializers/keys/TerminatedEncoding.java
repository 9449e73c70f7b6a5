package dev.spillway.serializers.keys;

/**
 * Base of the encodings written through {@link TerminatedBytes}: the escaping keeps the unsigned
 * byte order of the content and ends every value with a terminator, so these encodings preserve
 * order whenever their content bytes do (as raw bytes and UTF-8 do) and have no fixed length.
 */
abstract class TerminatedEncoding<T> implements KeyEncoding<T> {

    @Override
    public final boolean preservesOrder() {
        return true;
    }

    @Override
    public final int fixedLength() {
        return -1;
    }
}
