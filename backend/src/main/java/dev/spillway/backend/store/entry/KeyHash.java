package dev.spillway.backend.store.entry;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The store's two hashes of key bytes, kept together so there is one place that hashes keys. Both
 * read eight bytes a step; they differ because their jobs differ:
 *
 * <ul>
 *   <li>{@link #hash32} indexes the memtable and feeds the frequency sketch: on every point
 *       operation, so the per-call cost matters more than the last bit of quality. A
 *       multiply-xorshift step per word and a final avalanche still carry every byte to every
 *       output bit, which composite keys need: they share long prefixes (key group, state id).
 *   <li>{@link #hash64} feeds the bloom filter, which derives all its probe positions from one
 *       value, so it finishes with the murmur3 64-bit finalizer. It is part of the run file format:
 *       changing it makes old filters answer "absent" for present keys, so it is fixed for format
 *       versions 1 and 2.
 * </ul>
 */
public final class KeyHash {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    private KeyHash() {}

    /** The 32-bit hash of {@code key[0..length)} for in-memory indexes. */
    public static int hash32(byte[] key, int length) {
        long h = length * MULTIPLIER;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            h = (h ^ (long) LONGS.get(key, i)) * MULTIPLIER;
            h ^= h >>> 29;
        }
        long tail = 0;
        for (; i < length; i++) {
            tail = (tail << 8) | (key[i] & 0xFF);
        }
        h = (h ^ tail) * MULTIPLIER;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 32;
        return (int) h;
    }

    /** The 64-bit hash of {@code key[offset..offset+length)} for bloom filters. */
    public static long hash64(byte[] key, int offset, int length) {
        long h = length * MULTIPLIER;
        int position = offset;
        int end = offset + length;
        for (; position + Long.BYTES <= end; position += Long.BYTES) {
            h = Long.rotateLeft(h ^ mix((long) LONGS.get(key, position)), 27) * MULTIPLIER;
        }
        long tail = 0;
        for (int shift = 0; position < end; position++, shift += 8) {
            tail |= (key[position] & 0xFFL) << shift;
        }
        return mix(h ^ mix(tail));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
