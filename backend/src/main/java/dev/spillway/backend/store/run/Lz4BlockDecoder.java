package dev.spillway.backend.store.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes the LZ4 block format (the sequences lz4-java's compressors write), in safe Java.
 *
 * <p><b>Why our own.</b> A point read that misses the block cache decodes a whole block, so on
 * compressible state the decoder is the read path: in a JFR profile of the main example (values
 * that LZ4 shrinks well, state five times the managed memory) 44% of the task threads' samples were
 * in lz4-java's pure-Java safe decompressor, most of them in its {@code wildArraycopy} and {@code
 * wildIncrementalCopy}, which move literals and matches eight single bytes at a time. Here
 * short literals and matches (most of them: a few bytes each) are copied as two eight-byte words
 * through a byte-array {@link VarHandle} (bounds-checked, compiled to plain loads and stores) when
 * the arrays have sixteen bytes of room, longer ones with one {@code System.arraycopy}, and an
 * overlapping match (a run of a repeated pattern) in doubling chunks, each again a
 * non-overlapping copy. (lz4-java's faster decoders use {@code Unsafe} or JNI, which this project
 * keeps out.) {@code Lz4DecodeBenchmark} measures both on 4 KiB blocks.
 *
 * <p>A short copy writes up to sixteen bytes even when it needs fewer: the extra bytes land in
 * output not decoded yet (inside the caller's bounds), which later sequences overwrite.
 *
 * <p><b>Format.</b> A block is a series of sequences: a token byte (high nibble: literal length,
 * low nibble: match length minus 4; 15 means "more length bytes follow, each added, until one is
 * below 255"), the literals, then, unless the input ends there, a two-byte little-endian offset
 * back into the output and the match length's extra bytes. The last sequence has literals only.
 *
 * <p><b>Safety.</b> Every length and offset is checked against the input and output bounds before
 * it is used, so damaged input that slipped past the CRC fails with an {@link
 * IllegalArgumentException} (which the caller reports as a corrupt block), never by reading or
 * writing out of bounds and never by looping.
 */
final class Lz4BlockDecoder {

    private static final int MIN_MATCH = 4;
    private static final int RUN_MASK = 15;
    /** Copies up to this long go word by word when the arrays have room. */
    private static final int SHORT_COPY = 16;

    private static final VarHandle WORDS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Lz4BlockDecoder() {}

    /**
     * Decodes {@code src[srcOff, srcOff + srcLen)} into {@code dst} from {@code dstOff}, writing at
     * most {@code maxDstLen} bytes; returns the number of bytes written.
     *
     * @throws IllegalArgumentException if the input is not a well-formed LZ4 block or does not fit
     */
    static int decode(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int maxDstLen) {
        int sp = srcOff;
        int srcEnd = srcOff + srcLen;
        int dp = dstOff;
        int dstEnd = dstOff + maxDstLen;
        while (true) {
            if (sp >= srcEnd) {
                throw corrupt("input ends before a sequence token", sp - srcOff);
            }
            int token = src[sp++] & 0xFF;

            int literals = token >>> 4;
            if (literals == RUN_MASK) {
                int more;
                do {
                    if (sp >= srcEnd) {
                        throw corrupt("input ends inside a literal length", sp - srcOff);
                    }
                    more = src[sp++] & 0xFF;
                    literals += more;
                    if (literals > dstEnd - dp) {
                        throw corrupt("literals overrun the output", sp - srcOff);
                    }
                } while (more == 255);
            }
            if (literals > srcEnd - sp || literals > dstEnd - dp) {
                throw corrupt("literals overrun the input or the output", sp - srcOff);
            }
            if (literals <= SHORT_COPY && srcEnd - sp >= SHORT_COPY && dstEnd - dp >= SHORT_COPY) {
                copyTwoWords(src, sp, dst, dp);
            } else {
                System.arraycopy(src, sp, dst, dp, literals);
            }
            sp += literals;
            dp += literals;
            if (sp == srcEnd) {
                return dp - dstOff; // the last sequence has no match
            }

            if (srcEnd - sp < 2) {
                throw corrupt("input ends inside a match offset", sp - srcOff);
            }
            int offset = (src[sp] & 0xFF) | ((src[sp + 1] & 0xFF) << 8);
            sp += 2;
            if (offset == 0 || offset > dp - dstOff) {
                throw corrupt("match offset " + offset + " points outside the output", sp - srcOff);
            }

            int match = token & RUN_MASK;
            if (match == RUN_MASK) {
                int more;
                do {
                    if (sp >= srcEnd) {
                        throw corrupt("input ends inside a match length", sp - srcOff);
                    }
                    more = src[sp++] & 0xFF;
                    match += more;
                    if (match > dstEnd - dp) {
                        throw corrupt("match overruns the output", sp - srcOff);
                    }
                } while (more == 255);
            }
            match += MIN_MATCH;
            if (match > dstEnd - dp) {
                throw corrupt("match overruns the output", sp - srcOff);
            }
            if (offset >= Long.BYTES && match <= SHORT_COPY && dstEnd - dp >= SHORT_COPY) {
                // The second word may read what the first just wrote: that is the match's own
                // repetition, and it is written before it is read (offset >= 8).
                copyTwoWords(dst, dp - offset, dst, dp);
            } else {
                copyMatch(dst, dp - offset, dp, match);
            }
            dp += match;
        }
    }

    private static void copyTwoWords(byte[] src, int from, byte[] dst, int to) {
        WORDS.set(dst, to, (long) WORDS.get(src, from));
        WORDS.set(dst, to + Long.BYTES, (long) WORDS.get(src, from + Long.BYTES));
    }

    /**
     * Copies {@code length} bytes from {@code from} to {@code to > from} in one array, where the
     * regions may overlap: the result repeats the {@code to - from} bytes before {@code to}.
     */
    private static void copyMatch(byte[] bytes, int from, int to, int length) {
        int distance = to - from;
        if (distance >= length) {
            System.arraycopy(bytes, from, bytes, to, length);
        } else if (distance == 1) {
            Arrays.fill(bytes, to, to + length, bytes[from]);
        } else {
            // Chunks of distance, distance, 2 distance, 4 distance, ...: each reads only bytes
            // already written, and each starts at a multiple of the period, so copying from the
            // pattern's start continues it.
            int copied = 0;
            while (copied < length) {
                int chunk = Math.min(length - copied, distance + copied);
                System.arraycopy(bytes, from, bytes, to + copied, chunk);
                copied += chunk;
            }
        }
    }

    private static IllegalArgumentException corrupt(String problem, int at) {
        return new IllegalArgumentException(problem + " (at input byte " + at + ")");
    }
}
