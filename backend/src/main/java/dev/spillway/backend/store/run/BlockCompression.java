package dev.spillway.backend.store.run;

/**
 * How the writer compresses data blocks. The reader needs no setting: every block records the
 * codec it was written with, and a block that LZ4 would not shrink is stored raw.
 */
public enum BlockCompression {
    /** Blocks are stored as encoded. Cheapest CPU; most disk I/O. */
    NONE,
    /**
     * Blocks are compressed with lz4-java's pure-Java codec (which Flink already ships). Composite
     * keys repeat their key-group, state and key prefixes, which LZ4 removes cheaply.
     */
    LZ4
}
