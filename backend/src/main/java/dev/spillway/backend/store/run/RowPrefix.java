package dev.spillway.backend.store.run;

/**
 * Where the <em>row</em> of a key ends: the prefix that prefix scans ask for (a MapState row is
 * its key group, state, key and namespace; the user keys follow). Runs written with one put every
 * row into their bloom filter, so a scan of a row skips a run without the row without reading a
 * block, as a point read does.
 */
@FunctionalInterface
public interface RowPrefix {

    /**
     * The row length of {@code key[0, length)}, at most {@code length}; a negative number or an
     * {@link IllegalArgumentException} when the bytes hold no complete row.
     */
    int rowLength(byte[] key, int length);

    /** The row length, or -1 when there is none (no function, or too few bytes). */
    static int of(RowPrefix rows, byte[] key, int length) {
        if (rows == null) {
            return -1;
        }
        try {
            int row = rows.rowLength(key, length);
            return row > 0 && row <= length ? row : -1;
        } catch (IllegalArgumentException | IndexOutOfBoundsException noRow) {
            return -1;
        }
    }
}
