package dev.spillway.backend.store.entry;

/**
 * What an entry of a sorted run (or of the memtable in front of the runs) says about its key.
 *
 * <p>The codes are part of the run file format (see docs/run-format.md) and never change. Zero is
 * deliberately unused so that a zeroed region of a file decodes as corruption, not as a value.
 */
public enum EntryKind {
    /** The value is the complete value of the key and hides everything older. */
    PUT((byte) 1),
    /** The key was deleted; the value is empty. Hides everything older. */
    DELETE((byte) 2),
    /**
     * A list-append merge operand: the value is one or more list elements already joined by
     * {@link #LIST_DELIMITER}. It extends whatever older sources hold for the key.
     */
    APPEND((byte) 3);

    /**
     * The byte between list elements, in APPEND operands and in the values they fold into: Flink's
     * {@code ListDelimitedSerializer} format, which canonical savepoints carry.
     */
    public static final byte LIST_DELIMITER = ',';

    private final byte code;

    EntryKind(byte code) {
        this.code = code;
    }

    /** The byte that stands for this kind in a run file. */
    public byte code() {
        return code;
    }

    /** The kind for a code read from a file, or {@code null} when the code is not a kind. */
    public static EntryKind fromCode(byte code) {
        switch (code) {
            case 1:
                return PUT;
            case 2:
                return DELETE;
            case 3:
                return APPEND;
            default:
                return null;
        }
    }
}
