package dev.spillway.backend.store.run;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Frames decoded blocks for disk and back: {@code [codec u8][raw length u32][payload][crc32c
 * u32]}, the CRC covering codec, length and payload. LZ4 blocks are written by lz4-java's
 * pure-Java compressor (no JNI, no Unsafe) and read by {@link Lz4BlockDecoder}, which never reads
 * or writes out of bounds even on bytes that slipped past the CRC.
 */
final class BlockCodec {

    private static final LZ4Factory LZ4 = LZ4Factory.fastestJavaInstance();

    /**
     * A compressed block is kept only if it saves at least 1/8 of its raw size (RocksDB's "good
     * compression ratio" rule). Every read of a compressed block pays a decode, so a block that
     * barely shrinks (random or already-compressed values) costs more in CPU on every cache miss
     * and snapshot scan than it saves once on disk; the JFR profile of a full snapshot over
     * random 100-byte values spent 27% of its merged scan decoding blocks that LZ4 had shrunk by
     * a few percent (only the composite keys' shared prefixes compress).
     */
    static final int MIN_SAVING_DIVISOR = 8;

    private BlockCodec() {}

    /** Encoder state of one writer: reuses its output buffer across blocks. */
    static final class Encoder {
        private final BlockCompression compression;
        private final LZ4Compressor compressor;
        private final CRC32C crc = new CRC32C();
        private ByteBuffer framed = ByteBuffer.allocate(0);

        Encoder(BlockCompression compression) {
            this.compression = compression;
            this.compressor = compression == BlockCompression.LZ4 ? LZ4.fastCompressor() : null;
        }

        /**
         * Frames {@code raw[0, length)}; the returned buffer is ready to write and valid until the
         * next call.
         */
        ByteBuffer encode(byte[] raw, int length) {
            int bound = compressor == null ? length : compressor.maxCompressedLength(length);
            int capacity = RunFormat.BLOCK_HEADER_SIZE + Math.max(bound, length)
                    + RunFormat.CHECKSUM_SIZE;
            if (framed.capacity() < capacity) {
                framed = ByteBuffer.allocate(capacity);
            }
            byte[] out = framed.array();
            int payload = RunFormat.BLOCK_HEADER_SIZE;
            byte codec = RunFormat.CODEC_NONE;
            int payloadLength = length;
            if (compression == BlockCompression.LZ4) {
                int compressed = compressor.compress(raw, 0, length, out, payload, bound);
                if (compressed <= length - length / MIN_SAVING_DIVISOR) {
                    codec = RunFormat.CODEC_LZ4;
                    payloadLength = compressed;
                }
            }
            if (codec == RunFormat.CODEC_NONE) {
                System.arraycopy(raw, 0, out, payload, length);
            }
            framed.clear();
            framed.put(codec).putInt(length);
            framed.position(payload + payloadLength);
            crc.reset();
            crc.update(out, 0, payload + payloadLength);
            framed.putInt((int) crc.getValue());
            framed.flip();
            return framed;
        }

        /** Heap bytes held by the encoder's buffer. */
        long bufferBytes() {
            return framed.capacity();
        }
    }

    /**
     * Checks the CRC and decodes a framed block read from {@code file} at {@code offset}; the
     * block's trailer is checked, its entries are not (see {@link Block#validate()}). Throws {@link
     * CorruptRunException} naming the file and offset on any mismatch.
     */
    static Block decode(byte[] framed, Path file, long offset) throws CorruptRunException {
        return decode(ByteBuffer.wrap(framed), 0, framed.length, file, offset);
    }

    /**
     * As {@link #decode(byte[], Path, long)}, for the framed block at {@code [at, at + length)} of
     * a buffer that may be direct: a scan's read-ahead lands in a direct buffer, and checking and
     * decoding the block there, instead of first copying the read-ahead to the heap and then each
     * block out of it, saves two copies of every byte a snapshot reads (a JFR profile of a full
     * snapshot showed the copy out of the JDK's temporary direct buffer as the largest single cost
     * of the scan). The buffer's position and limit are not changed.
     */
    static Block decode(ByteBuffer framed, int at, int length, Path file, long offset)
            throws CorruptRunException {
        if (length < RunFormat.BLOCK_HEADER_SIZE + RunFormat.CHECKSUM_SIZE) {
            throw new CorruptRunException(file, offset, "block of " + length + " bytes is too short");
        }
        int checked = length - RunFormat.CHECKSUM_SIZE;
        CRC32C crc = new CRC32C();
        crc.update(framed.slice(at, checked));
        int stored = framed.getInt(at + checked);
        if ((int) crc.getValue() != stored) {
            throw new CorruptRunException(file, offset, String.format(
                    "block checksum mismatch (CRC32C stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
        byte codec = framed.get(at);
        int rawLength = framed.getInt(at + 1);
        int payloadAt = at + RunFormat.BLOCK_HEADER_SIZE;
        int payloadLength = checked - RunFormat.BLOCK_HEADER_SIZE;
        byte[] raw;
        if (codec == RunFormat.CODEC_NONE && rawLength == payloadLength) {
            raw = new byte[rawLength];
            framed.get(payloadAt, raw, 0, rawLength);
        } else if (codec == RunFormat.CODEC_LZ4 && rawLength > 0) {
            raw = new byte[rawLength];
            int decoded = decompress(framed, payloadAt, payloadLength, raw, file, offset);
            if (decoded != rawLength) {
                throw new CorruptRunException(file, offset,
                        "block decompressed to " + decoded + " bytes, header says " + rawLength);
            }
        } else {
            throw new CorruptRunException(file, offset,
                    "block header has codec " + codec + " and raw length " + rawLength
                            + " for a payload of " + payloadLength + " bytes");
        }
        Block block = Block.wrap(raw);
        if (block == null) {
            throw new CorruptRunException(file, offset, "block trailer does not decode");
        }
        return block;
    }

    private static int decompress(ByteBuffer framed, int payloadAt, int payloadLength, byte[] raw,
            Path file, long offset) throws CorruptRunException {
        byte[] source;
        int sourceAt;
        if (framed.hasArray()) {
            source = framed.array();
            sourceAt = framed.arrayOffset() + payloadAt;
        } else {
            // The pure-Java decompressor reads a direct buffer a byte at a time: copy the (smaller)
            // compressed payload to the heap once instead.
            source = new byte[payloadLength];
            framed.get(payloadAt, source, 0, payloadLength);
            sourceAt = 0;
        }
        try {
            return Lz4BlockDecoder.decode(source, sourceAt, payloadLength, raw, 0, raw.length);
        } catch (RuntimeException e) {
            throw new CorruptRunException(file, offset, "LZ4 payload does not decode (" + e + ")");
        }
    }
}
