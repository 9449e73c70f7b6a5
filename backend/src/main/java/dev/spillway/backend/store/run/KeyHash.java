package dev.spillway.backend.store.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A 64-bit hash of key bytes for the bloom filter. Reads eight bytes at a time and finishes with
 * the murmur3 64-bit finalizer, so every input bit affects every output bit; the bloom filter
 * derives all its probe positions from this one value. Part of the file format: changing it makes
 * old filters answer "absent" for present keys, so it is fixed for format version 1.
 */
final class KeyHash {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    private KeyHash() {}

    static long hash(byte[] key, int offset, int length) {
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
