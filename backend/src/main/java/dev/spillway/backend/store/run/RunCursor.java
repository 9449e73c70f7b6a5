package dev.spillway.backend.store.run;

import java.io.IOException;
import java.util.Arrays;

/**
 * Iterates one run in key order, optionally only the keys under a prefix. {@link #seek} positions
 * the cursor so that the next {@link #next()} returns the first entry at or after a key.
 *
 * <p>A cursor holds a reference on its run until closed, so compaction may replace the run
 * meanwhile without the file disappearing under the cursor. Not thread-safe; open one cursor per
 * thread.
 */
public final class RunCursor implements EntryCursor {

    private final Run run;
    private final RunReader reader;
    private final byte[] prefix;
    private final boolean fillCache;

    private int blockNumber;
    private Block block;
    /** Offset in {@link #block} of the entry the next {@link #next()} moves to. */
    private int nextEntry;
    private int current = -1;
    private boolean exhausted;
    private boolean closed;

    RunCursor(Run run, RunReader reader, byte[] prefix, boolean fillCache) throws IOException {
        this.run = run;
        this.reader = reader;
        this.prefix = prefix;
        this.fillCache = fillCache;
        if (reader.index().mayContainPrefix(prefix)) {
            seek(prefix);
        } else {
            exhausted = true; // the run's key range misses the prefix: no block is read
        }
    }

    /**
     * Positions the cursor before the first entry whose key is at least {@code key}. A target below
     * the cursor's prefix seeks to the prefix; one above it ends the scan.
     */
    public void seek(byte[] key) throws IOException {
        if (Arrays.compareUnsigned(key, prefix) < 0) {
            key = prefix;
        }
        BlockIndex index = reader.index();
        current = -1;
        int floor = index.floorBlock(key, 0, key.length);
        blockNumber = Math.max(0, floor);
        block = reader.block(blockNumber, fillCache);
        nextEntry = floor < 0 ? 0 : block.seek(key, 0, key.length);
        exhausted = false;
    }

    @Override
    public boolean next() throws IOException {
        if (exhausted) {
            return false;
        }
        if (nextEntry == block.entriesEnd()) {
            if (blockNumber + 1 == reader.index().blockCount()) {
                return finish();
            }
            block = reader.block(++blockNumber, fillCache);
            nextEntry = 0;
        }
        if (!block.keyStartsWith(nextEntry, prefix)) {
            return finish();
        }
        current = nextEntry;
        nextEntry = block.next(current);
        return true;
    }

    @Override
    public byte[] key() {
        return block.key(current);
    }

    @Override
    public EntryKind kind() {
        return block.kind(current);
    }

    @Override
    public byte[] value() {
        return block.value(current);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            run.release();
        }
    }

    private boolean finish() {
        exhausted = true;
        current = -1;
        return false;
    }
}
