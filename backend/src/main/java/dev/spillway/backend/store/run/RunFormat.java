package dev.spillway.backend.store.run;

/**
 * Constants of the run file layout, version 2. docs/run-format.md draws the whole layout; in
 * short:
 *
 * <pre>
 *   header  [magic u64][version u32]
 *   data    block*   each [codec u8][raw length u32][payload][crc32c u32]
 *   bloom   [bloom filter][crc32c u32]
 *   index   [block count u32] ([offset u64][length u32][first key len varint][first key])*
 *           [last key len varint][last key][crc32c u32]
 *   footer  [entry count u64][bloom offset u64][bloom length u32][index offset u64]
 *           [index length u32][version u32][crc32c u32][magic u64]
 * </pre>
 *
 * <p>All fixed-width integers are big-endian. The magic sits at both ends: a wrong magic at the
 * start means "not a run file", a right one at the start but not at the end means "truncated or
 * never finished" (writers rename a file to its final name only after the footer is on disk, so
 * the second case points to a damaged disk or a file copied badly).
 */
final class RunFormat {

    /** "SPILLRUN" in ASCII. */
    static final long MAGIC = 0x5350494C4C52554EL;

    /**
     * The only version this build writes and reads. 2 (this build): cache-local bloom filter. 1:
     * the first format, bloom probes spread over the whole filter.
     */
    static final int VERSION = 2;

    static final int HEADER_SIZE = Long.BYTES + Integer.BYTES;

    static final int FOOTER_SIZE =
            Long.BYTES // entry count
                    + Long.BYTES + Integer.BYTES // bloom section
                    + Long.BYTES + Integer.BYTES // index section
                    + Integer.BYTES // version
                    + Integer.BYTES // footer crc
                    + Long.BYTES; // magic

    /** Bytes of the footer covered by its CRC: everything before the CRC. */
    static final int FOOTER_CRC_COVERED = FOOTER_SIZE - Integer.BYTES - Long.BYTES;

    /** [codec u8][raw length u32] in front of every block payload. */
    static final int BLOCK_HEADER_SIZE = 1 + Integer.BYTES;

    /** The CRC32C after every block and section. */
    static final int CHECKSUM_SIZE = Integer.BYTES;

    static final byte CODEC_NONE = 0;
    static final byte CODEC_LZ4 = 1;

    private RunFormat() {}
}
