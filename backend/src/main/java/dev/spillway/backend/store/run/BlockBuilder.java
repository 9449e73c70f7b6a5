package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryKind;

import java.util.Arrays;

/**
 * Encodes sorted entries into the decoded block layout of {@link Block}. The buffer starts at the
 * target block size and is reused for every block of a run; it only grows when a single entry is
 * larger than a block (such an entry gets a block of its own).
 */
final class BlockBuilder {

    private final int targetSize;
    private byte[] buffer;
    private int position;
    private int[] restarts = new int[64];
    private int count;

    BlockBuilder(int targetSize) {
        this.targetSize = targetSize;
        this.buffer = new byte[targetSize];
    }

    /** Encoded size of an entry, excluding its share of the restart offsets. */
    static int entrySize(int keyLength, int valueLength) {
        return CompositeKey.varIntSize(keyLength) + CompositeKey.varIntSize(valueLength) + 1
                + keyLength + valueLength;
    }

    /** Whether adding an entry of that size would push a non-empty block past the target size. */
    boolean wouldOverflow(int entrySize) {
        return count > 0 && finishedSize() + entrySize > targetSize;
    }

    void add(byte[] key, int keyOffset, int keyLength, EntryKind kind,
            byte[] value, int valueOffset, int valueLength) {
        int size = entrySize(keyLength, valueLength);
        ensureCapacity(position + size);
        if (count % Block.RESTART_INTERVAL == 0) {
            int restart = count / Block.RESTART_INTERVAL;
            if (restart == restarts.length) {
                restarts = Arrays.copyOf(restarts, restart * 2);
            }
            restarts[restart] = position;
        }
        count++;
        position = CompositeKey.writeVarInt(buffer, position, keyLength);
        position = CompositeKey.writeVarInt(buffer, position, valueLength);
        buffer[position++] = kind.code();
        System.arraycopy(key, keyOffset, buffer, position, keyLength);
        position += keyLength;
        System.arraycopy(value, valueOffset, buffer, position, valueLength);
        position += valueLength;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Size of the block if finished now. */
    int finishedSize() {
        return position + Block.restartCount(count) * Integer.BYTES + Integer.BYTES;
    }

    /**
     * Appends the restart offsets and count and returns the buffer holding the block in {@code [0,
     * finishedSize())}. The buffer is reused after {@link #reset()}.
     */
    byte[] finish() {
        int size = finishedSize();
        ensureCapacity(size);
        int at = position;
        for (int i = 0; i < Block.restartCount(count); i++) {
            at = putInt(buffer, at, restarts[i]);
        }
        putInt(buffer, at, count);
        return buffer;
    }

    void reset() {
        position = 0;
        count = 0;
    }

    /** Heap bytes held by the builder's buffers. */
    long bufferBytes() {
        return buffer.length + (long) restarts.length * Integer.BYTES;
    }

    private void ensureCapacity(int needed) {
        if (needed > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(needed, buffer.length * 2));
        }
    }

    private static int putInt(byte[] target, int at, int value) {
        target[at] = (byte) (value >>> 24);
        target[at + 1] = (byte) (value >>> 16);
        target[at + 2] = (byte) (value >>> 8);
        target[at + 3] = (byte) value;
        return at + Integer.BYTES;
    }
}
