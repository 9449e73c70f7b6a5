package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.entry.EntryKind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Iterates one run in key order, optionally only the keys under a prefix. {@link #seek} positions
 * the cursor so that the next {@link #next()} returns the first entry at or after a key.
 *
 * <p><b>Read-ahead.</b> The first block after a seek is read alone (a MapState row or a point-like
 * scan rarely needs more). Once the cursor moves on to the next block it is scanning, and from then
 * on it reads consecutive blocks with one positional read, {@value #FIRST_READ_AHEAD_BYTES} bytes at
 * first and twice as many each time up to {@value #READ_AHEAD_BYTES}, and decodes them one at a
 * time as it reaches them: compaction, snapshots and long iterations make
 * a few large reads instead of one per block.
 *
 * <p>A cursor over a {@link KeyGroupFence fenced} run starts at the fence's first key group and
 * ends after its last, so nothing outside reaches a merge, a snapshot or a compaction.
 *
 * <p>A cursor holds a reference on its run until closed, so compaction may replace the run
 * meanwhile without the file disappearing under the cursor. Not thread-safe; open one cursor per
 * thread.
 */
public final class RunCursor implements EntryCursor {

    /** Framed bytes read at once by a sequential scan: the size of a {@link ReadAheadBuffers} buffer. */
    public static final int READ_AHEAD_BYTES = 64 << 10;

    /** The first read-ahead: a row scan that merely crosses a block boundary reads little more. */
    static final int FIRST_READ_AHEAD_BYTES = 16 << 10;

    /**
     * Memory a cursor over runs of the given format holds at most: the (direct) read-ahead buffer,
     * or one block larger than it, and a decoded block on the heap.
     */
    public static long memoryBytes(RunFormatOptions options) {
        return Math.max(READ_AHEAD_BYTES, options.blockSize()) + options.blockSize() + 4096;
    }

    private final Run run;
    private final RunReader reader;
    private final ReadAheadBuffers buffers;
    private final byte[] prefix;
    /** The smallest key the cursor may show: the prefix, or the fence's start if above it. */
    private final byte[] lowest;
    private final KeyGroupFence fence;
    private final boolean fillCache;

    private int blockNumber;
    private Block block;
    /** Offset in {@link #block} of the entry the next {@link #next()} moves to. */
    private int nextEntry;
    private int current = -1;
    private boolean exhausted;
    private boolean closed;

    /**
     * Framed bytes of blocks {@code [aheadFirst, aheadEnd)}, or null before the first read-ahead;
     * taken from {@link #buffers} and given back on close.
     */
    private ByteBuffer ahead;
    private int aheadFirst;
    private int aheadEnd;
    /** Bytes of the next read-ahead: starts small, doubles while the scan goes on. */
    private int aheadWindow = FIRST_READ_AHEAD_BYTES;
    /** The run cannot show the prefix (fence, key range or bloom filter): never read a block. */
    private final boolean missesPrefix;

    RunCursor(Run run, RunReader reader, ReadAheadBuffers buffers, byte[] prefix,
            KeyGroupFence fence, boolean fillCache) throws IOException {
        this.run = run;
        this.reader = reader;
        this.buffers = buffers;
        this.prefix = prefix;
        this.fence = fence;
        this.fillCache = fillCache;
        byte[] fenceStart = fence == null ? prefix : fence.lowestKey();
        this.lowest = Arrays.compareUnsigned(fenceStart, prefix) > 0 ? fenceStart : prefix;
        boolean prefixOutsideFence = fence != null
                && prefix.length >= CompositeKey.KEY_GROUP_BYTES
                && !fence.containsKey(prefix, prefix.length);
        this.missesPrefix = prefixOutsideFence
                || !(reader.index().mayContainPrefix(prefix) && reader.mayContainRowOf(prefix));
        if (missesPrefix) {
            // The fence, the run's key range or its bloom filter rule the prefix out: no block read.
            exhausted = true;
        } else {
            seek(lowest);
        }
    }

    /**
     * Positions the cursor before the first entry whose key is at least {@code key}. A target below
     * the cursor's prefix seeks to the prefix; one above it ends the scan.
     */
    public void seek(byte[] key) throws IOException {
        if (missesPrefix) {
            return;
        }
        if (Arrays.compareUnsigned(key, lowest) < 0) {
            key = lowest;
        }
        BlockIndex index = reader.index();
        current = -1;
        int floor = index.floorBlock(key, 0, key.length);
        blockNumber = Math.max(0, floor);
        block = blockNumber >= aheadFirst && blockNumber < aheadEnd
                ? reader.blockFrom(blockNumber, ahead, aheadFirst, fillCache)
                : reader.block(blockNumber, fillCache);
        try {
            nextEntry = floor < 0 ? 0 : block.seek(key, 0, key.length);
        } catch (RuntimeException e) {
            // Only a block read ahead unvalidated can fail to decode here (see next()).
            exhausted = true;
            throw new CorruptRunException(reader.file(), reader.index().offset(blockNumber),
                    "block entries do not decode (" + e + ")");
        }
        exhausted = false;
    }

    /**
     * Moves to the next entry. Blocks read ahead by a scan that does not fill the cache were not
     * {@link Block#validate() validated} whole: each entry is checked here as the cursor steps
     * over it (it decodes inside the block, and its kind is known), which is what validation
     * would have checked, so the accessors can trust it.
     */
    @Override
    public boolean next() throws IOException {
        if (exhausted) {
            return false;
        }
        if (nextEntry == block.entriesEnd()) {
            if (blockNumber + 1 == reader.index().blockCount()) {
                return finish();
            }
            block = sequentialBlock(++blockNumber);
            nextEntry = 0;
        }
        try {
            if ((prefix.length > 0 && !block.keyStartsWith(nextEntry, prefix))
                    || (fence != null && block.keyGroup(nextEntry) > fence.last())) {
                return finish();
            }
            int entry = nextEntry;
            nextEntry = block.next(entry);
            if (block.kind(entry) == null) {
                throw new IllegalArgumentException("unknown entry kind");
            }
            current = entry;
            return true;
        } catch (RuntimeException e) {
            exhausted = true;
            throw new CorruptRunException(reader.file(), reader.index().offset(blockNumber),
                    "block entries do not decode (" + e + ")");
        }
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
            buffers.give(ahead);
            ahead = null;
            run.release();
        }
    }

    /** The next block of a scan, from the read-ahead buffer (refilled when it runs out). */
    private Block sequentialBlock(int number) throws IOException {
        if (number < aheadFirst || number >= aheadEnd) {
            ahead = reader.readAhead(number, aheadWindow, ahead != null ? ahead : buffers.take());
            aheadWindow = Math.min(READ_AHEAD_BYTES, 2 * aheadWindow);
            aheadFirst = number;
            aheadEnd = number + Math.max(1, reader.blocksIn(number, ahead.limit()));
        }
        return reader.blockFrom(number, ahead, aheadFirst, fillCache);
    }

    private boolean finish() {
        exhausted = true;
        current = -1;
        return false;
    }
}
