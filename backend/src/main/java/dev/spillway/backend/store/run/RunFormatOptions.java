package dev.spillway.backend.store.run;

/**
 * Write-side settings of run files. Immutable; the {@code with*} methods return a copy. Invalid
 * values fail with {@link IllegalArgumentException} naming the accepted range; the configuration
 * layer turns its options into these.
 */
public final class RunFormatOptions {

    /**
     * Default target size of an uncompressed data block: small, because a point read of evicted
     * state reads, checks and decodes a whole block (see docs/benchmarks.md, "Read path").
     */
    public static final int DEFAULT_BLOCK_SIZE = 4 * 1024;

    /** Smallest accepted block size: below it the per-block header, CRC and index entry dominate. */
    public static final int MIN_BLOCK_SIZE = 1024;

    /** Largest accepted block size: a point read decodes a whole block. */
    public static final int MAX_BLOCK_SIZE = 16 * 1024 * 1024;

    /** Default bloom filter false-positive rate. */
    public static final double DEFAULT_BLOOM_FALSE_POSITIVE_RATE = 0.01;

    private final int blockSize;
    private final BlockCompression compression;
    private final double bloomFalsePositiveRate;
    private final RowPrefix rows;

    private RunFormatOptions(int blockSize, BlockCompression compression, double bloomFpp) {
        this(blockSize, compression, bloomFpp, null);
    }

    private RunFormatOptions(
            int blockSize, BlockCompression compression, double bloomFpp, RowPrefix rows) {
        this.blockSize = blockSize;
        this.compression = compression;
        this.bloomFalsePositiveRate = bloomFpp;
        this.rows = rows;
    }

    /** 4 KiB blocks, LZ4, 1% bloom false positives. */
    public static RunFormatOptions defaults() {
        return new RunFormatOptions(
                DEFAULT_BLOCK_SIZE, BlockCompression.LZ4, DEFAULT_BLOOM_FALSE_POSITIVE_RATE);
    }

    /** A copy with another target block size (uncompressed bytes). */
    public RunFormatOptions withBlockSize(int bytes) {
        if (bytes < MIN_BLOCK_SIZE || bytes > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException(
                    "Run block size must be between " + MIN_BLOCK_SIZE + " and " + MAX_BLOCK_SIZE
                            + " bytes, was " + bytes);
        }
        return new RunFormatOptions(bytes, compression, bloomFalsePositiveRate, rows);
    }

    /** A copy with another block compression. */
    public RunFormatOptions withCompression(BlockCompression codec) {
        if (codec == null) {
            throw new IllegalArgumentException("Block compression must be NONE or LZ4, was null");
        }
        return new RunFormatOptions(blockSize, codec, bloomFalsePositiveRate, rows);
    }

    /** A copy with another bloom filter false-positive rate, between 0.0001 and 0.5 inclusive. */
    public RunFormatOptions withBloomFalsePositiveRate(double rate) {
        if (!(rate >= 0.0001 && rate <= 0.5)) {
            throw new IllegalArgumentException(
                    "Bloom filter false-positive rate must be between 0.0001 and 0.5, was " + rate);
        }
        return new RunFormatOptions(blockSize, compression, rate, rows);
    }

    /**
     * A copy whose runs put the rows of their keys into the bloom filter, so scans of a row skip
     * runs without it; {@code null} for keys without rows.
     */
    public RunFormatOptions withRowPrefix(RowPrefix rowPrefix) {
        return new RunFormatOptions(blockSize, compression, bloomFalsePositiveRate, rowPrefix);
    }

    /** The row function, or {@code null}. */
    public RowPrefix rowPrefix() {
        return rows;
    }

    public int blockSize() {
        return blockSize;
    }

    public BlockCompression compression() {
        return compression;
    }

    public double bloomFalsePositiveRate() {
        return bloomFalsePositiveRate;
    }

    @Override
    public String toString() {
        return "RunFormatOptions{blockSize=" + blockSize + ", compression=" + compression
                + ", bloomFalsePositiveRate=" + bloomFalsePositiveRate + '}';
    }
}
