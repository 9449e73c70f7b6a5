package dev.spillway.backend.store.memtable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 32-bit hash of key bytes used by the memtable index and the frequency sketch. Eight bytes a
 * step with a multiply-xorshift mix and a final avalanche: keys are short, so the per-call cost
 * matters more than the last bit of quality, but composite keys share long prefixes (key group,
 * state id), so every byte must reach every output bit.
 */
public final class KeyHash {

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

    private KeyHash() {}

    public static int hash(byte[] key, int length) {
        long h = length * MULTIPLIER;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
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
}
