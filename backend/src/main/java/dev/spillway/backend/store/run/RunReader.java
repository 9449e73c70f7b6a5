package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.entry.KeyHash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * Reads one run file: validates header and footer on open, keeps the bloom filter and sparse
 * index on the heap, and reads data blocks by positional reads (so any number of threads may read
 * at once) through the shared {@link BlockCache}.
 *
 * <p>Every inconsistency — short file, wrong magic, unknown version, CRC mismatch, offsets that
 * do not add up — fails with a {@link CorruptRunException} naming the file and the offset.
 */
final class RunReader implements AutoCloseable {

    /** Cache ids are unique per JVM, so runs of different stores can share one cache. */
    private static final AtomicLong NEXT_CACHE_ID = new AtomicLong();

    /**
     * Each reading thread's direct buffer for one framed block (task threads, compaction and
     * snapshot threads: a few KiB each at the default block size, grown to the largest block read).
     */
    private static final ThreadLocal<ByteBuffer> BLOCK_BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(8 << 10));

    private final Path file;
    private final FileChannel channel;
    private final BlockCache cache;
    private final long cacheId = NEXT_CACHE_ID.incrementAndGet();
    private final long fileSize;
    private final long entryCount;
    /** Where the blocks end and the bloom filter, index and footer begin. */
    private final long blocksEnd;
    private final BloomFilter bloom;
    private final BlockIndex index;
    /** Heap bytes of the bloom filter and index, counted once: they never change. */
    private final long residentBytes;
    /** The row function of the directory that opened this run; null in tests and tools. */
    private final RowPrefix rows;
    /** Positional reads of data blocks (one per block, or one per read-ahead): for tests. */
    private final LongAdder blockReads = new LongAdder();

    private RunReader(Path file, FileChannel channel, BlockCache cache, long fileSize,
            long entryCount, long blocksEnd, BloomFilter bloom, BlockIndex index, RowPrefix rows) {
        this.rows = rows;
        this.blocksEnd = blocksEnd;
        this.file = file;
        this.channel = channel;
        this.cache = cache;
        this.fileSize = fileSize;
        this.entryCount = entryCount;
        this.bloom = bloom;
        this.index = index;
        this.residentBytes = bloom.heapBytes() + index.heapBytes();
    }

    static RunReader open(Path file, BlockCache cache) throws IOException {
        return open(file, cache, null);
    }

    /** Opens a run whose row scans may consult the bloom filter through {@code rows}. */
    static RunReader open(Path file, BlockCache cache, RowPrefix rows) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return open(file, channel, cache, rows);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static RunReader open(Path file, FileChannel channel, BlockCache cache, RowPrefix rows)
            throws IOException {
        long size = channel.size();
        if (size < RunFormat.HEADER_SIZE + RunFormat.FOOTER_SIZE) {
            throw new CorruptRunException(file, size, "file has only " + size
                    + " bytes, less than a header and footer; it is truncated");
        }
        ByteBuffer header = read(file, channel, 0, RunFormat.HEADER_SIZE);
        if (header.getLong() != RunFormat.MAGIC) {
            throw new CorruptRunException(file, 0, "bad magic; this is not a Spillway run file");
        }
        checkVersion(file, Long.BYTES, header.getInt());
        long footerOffset = size - RunFormat.FOOTER_SIZE;
        ByteBuffer footer = read(file, channel, footerOffset, RunFormat.FOOTER_SIZE);
        if (footer.getLong(RunFormat.FOOTER_SIZE - Long.BYTES) != RunFormat.MAGIC) {
            throw new CorruptRunException(file, size - Long.BYTES,
                    "no footer magic at the end of the file; it is truncated or was never completed");
        }
        CRC32C crc = new CRC32C();
        crc.update(footer.array(), 0, RunFormat.FOOTER_CRC_COVERED);
        if ((int) crc.getValue() != footer.getInt(RunFormat.FOOTER_CRC_COVERED)) {
            throw new CorruptRunException(file, footerOffset, "footer checksum mismatch");
        }
        long entryCount = footer.getLong();
        long bloomOffset = footer.getLong();
        int bloomLength = footer.getInt();
        long indexOffset = footer.getLong();
        int indexLength = footer.getInt();
        checkVersion(file, footerOffset + footer.position(), footer.getInt());
        if (entryCount <= 0 || bloomOffset < RunFormat.HEADER_SIZE
                || bloomLength < RunFormat.CHECKSUM_SIZE || indexOffset != bloomOffset + bloomLength
                || indexLength < RunFormat.CHECKSUM_SIZE || indexOffset + indexLength != footerOffset) {
            throw new CorruptRunException(file, footerOffset, "footer sections do not add up (entries "
                    + entryCount + ", bloom at " + bloomOffset + "+" + bloomLength + ", index at "
                    + indexOffset + "+" + indexLength + ", file size " + size + ")");
        }
        BloomFilter bloom = BloomFilter.readFrom(readSection(file, channel, bloomOffset, bloomLength));
        if (bloom == null) {
            throw new CorruptRunException(file, bloomOffset, "bloom filter does not decode");
        }
        ByteBuffer indexSection = readSection(file, channel, indexOffset, indexLength);
        byte[] indexBytes = new byte[indexSection.remaining()];
        indexSection.get(indexBytes);
        BlockIndex index = BlockIndex.readFrom(indexBytes, bloomOffset);
        if (index == null) {
            throw new CorruptRunException(file, indexOffset, "sparse index does not decode");
        }
        return new RunReader(file, channel, cache, size, entryCount, bloomOffset, bloom, index, rows);
    }

    Path file() {
        return file;
    }

    /** Bytes of the file that are not blocks: header, bloom filter, sparse index, footer. */
    long overheadBytes() {
        return fileSize - blocksEnd + RunFormat.HEADER_SIZE;
    }

    long fileSize() {
        return fileSize;
    }

    long entryCount() {
        return entryCount;
    }

    BlockIndex index() {
        return index;
    }

    /**
     * Whether some key under the prefix may be in this run, by the bloom filter: only when the run
     * put rows into it and the prefix starts with a complete row (any key under it has that row).
     */
    boolean mayContainRowOf(byte[] prefix) {
        if (!bloom.hasRows() || rows == null) {
            return true;
        }
        int row = RowPrefix.of(rows, prefix, prefix.length);
        return row < 0 || bloom.mightContain(KeyHash.hash64(prefix, 0, row));
    }

    /** Positional reads of data blocks so far. */
    long blockReads() {
        return blockReads.sum();
    }

    /** Heap bytes of the bloom filter and index, which stay resident while the run is open. */
    long residentBytes() {
        return residentBytes;
    }

    /** The key's entry in this run, or {@code null}. */
    EntryValue get(byte[] key, int keyLength) throws IOException {
        EntryResolver resolver = new EntryResolver();
        if (!offerTo(key, keyLength, KeyHash.hash64(key, 0, keyLength), resolver)) {
            return null;
        }
        return new EntryValue(resolver.resolvedKind(false), resolver.resolvedValue());
    }

    /**
     * Offers the key's entry, if this run has one, to the resolver; returns whether it had one.
     * {@code hash} is the key's {@link KeyHash#hash64}, computed once by the caller for all runs.
     * Allocates only the value handed to the resolver (and, on a cache miss, the block read).
     */
    boolean offerTo(byte[] key, int keyLength, long hash, EntryResolver resolver)
            throws IOException {
        if (!bloom.mightContain(hash)) {
            return false;
        }
        int blockNumber = index.blockFor(key, 0, keyLength);
        if (blockNumber < 0) {
            return false;
        }
        Block block = cache.get(cacheId, blockNumber);
        if (block != null) {
            cache.recordPointRead(0);
            int entry = block.find(key, 0, keyLength);
            if (entry < 0) {
                return false;
            }
            resolver.add(block.kind(entry), block.value(entry));
            return true;
        }
        long offset = index.offset(blockNumber);
        int length = index.length(blockNumber);
        block = BlockCodec.decode(readBlock(offset, length), 0, length, file, offset);
        blockReads.increment();
        cache.recordPointRead(length);
        if (cache.mayKeep(block.weight())) {
            cache.put(cacheId, blockNumber, validated(block, offset));
        }
        // An unvalidated block is read with bounds-checked accessors: damage that slipped past the
        // CRC shows up as an exception here instead of a walk over the whole block on every read.
        try {
            int entry = block.find(key, 0, keyLength);
            if (entry < 0) {
                return false;
            }
            EntryKind kind = block.kind(entry);
            if (kind == null) {
                throw new IllegalArgumentException("unknown entry kind");
            }
            resolver.add(kind, block.value(entry));
            return true;
        } catch (RuntimeException e) {
            throw new CorruptRunException(file, offset, "block entries do not decode (" + e + ")");
        }
    }

    /** A checked, decoded block, from the cache or the file. */
    Block block(int blockNumber, boolean fillCache) throws IOException {
        Block block = cache.get(cacheId, blockNumber);
        if (block != null) {
            return block;
        }
        long offset = index.offset(blockNumber);
        int length = index.length(blockNumber);
        Block decoded = BlockCodec.decode(readBlock(offset, length), 0, length, file, offset);
        blockReads.increment();
        return admit(blockNumber, validated(decoded, offset), fillCache);
    }

    /**
     * Reads the framed bytes of blocks {@code first, first + 1, ...} in one positional read of at
     * most {@code maxBytes} (at least block {@code first}) into {@code buffer}, or a new direct
     * buffer if it is too small; returns the buffer, flipped. Sequential scans use it instead of
     * one read per block.
     */
    ByteBuffer readAhead(int first, int maxBytes, ByteBuffer buffer) throws IOException {
        long start = index.offset(first);
        int last = first;
        while (last + 1 < index.blockCount()
                && index.offset(last + 1) + index.length(last + 1) - start <= maxBytes) {
            last++;
        }
        int length = (int) (index.offset(last) + index.length(last) - start);
        // Direct, so the read lands where it is checked and decoded (see ReadAheadBuffers).
        ByteBuffer target = buffer.capacity() >= length
                ? buffer.clear().limit(length) : ByteBuffer.allocateDirect(length);
        readFully(file, channel, start, target);
        blockReads.increment();
        return target.flip();
    }

    /** How many whole blocks from {@code first} a buffer of {@code bytes} read by readAhead holds. */
    int blocksIn(int first, int bytes) {
        long start = index.offset(first);
        int count = 0;
        while (first + count < index.blockCount()
                && index.offset(first + count) + index.length(first + count) - start <= bytes) {
            count++;
        }
        return count;
    }

    /**
     * Block {@code number} from {@code framed}, which holds the blocks read by {@link #readAhead}
     * starting at block {@code first}; a scan that fills the cache looks there first. A one-pass
     * scan (snapshot, compaction) does not: it has the bytes in hand already, and over a run
     * larger than the cache almost every lookup misses (in a JFR profile of a full snapshot the
     * lookups were 9% of the scan).
     */
    Block blockFrom(int number, ByteBuffer framed, int first, boolean fillCache)
            throws IOException {
        Block cached = fillCache ? cache.get(cacheId, number) : null;
        if (cached != null) {
            return cached;
        }
        long offset = index.offset(number);
        int at = (int) (offset - index.offset(first));
        Block block = BlockCodec.decode(framed, at, index.length(number), file, offset);
        // A block for the cache is validated whole, as every cached block is. A one-pass scan
        // checks each entry as it steps over it instead (RunCursor.next), which saves a second
        // walk over every block: 10% of a full snapshot's scan in a JFR profile.
        return fillCache ? admit(number, validated(block, offset), true) : block;
    }

    private Block admit(int blockNumber, Block block, boolean fillCache) {
        if (fillCache) {
            cache.put(cacheId, blockNumber, block);
        }
        return block;
    }

    private Block validated(Block block, long offset) throws CorruptRunException {
        if (!block.validate()) {
            throw new CorruptRunException(file, offset, "block entries do not decode");
        }
        return block;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        cache.invalidate(cacheId);
    }

    private static void checkVersion(Path file, long offset, int version) throws CorruptRunException {
        if (version != RunFormat.VERSION) {
            String writer = version >= 1 && version < RunFormat.VERSION
                    ? "written by an older Spillway" : "written by a different Spillway";
            throw new CorruptRunException(file, offset, "unsupported run format version " + version
                    + " (" + writer + "); this build reads version " + RunFormat.VERSION
                    + ". A spill directory never outlives its backend, so nothing needs this file:"
                    + " restore from a checkpoint or savepoint taken with this version, or from a"
                    + " canonical savepoint");
        }
    }

    /** Reads a section followed by its CRC32C; returns the section bytes without the CRC. */
    private static ByteBuffer readSection(Path file, FileChannel channel, long offset, int length)
            throws IOException {
        ByteBuffer section = read(file, channel, offset, length);
        int covered = length - RunFormat.CHECKSUM_SIZE;
        CRC32C crc = new CRC32C();
        crc.update(section.array(), 0, covered);
        if ((int) crc.getValue() != section.getInt(covered)) {
            throw new CorruptRunException(file, offset, "section checksum mismatch");
        }
        return ByteBuffer.wrap(section.array(), 0, covered);
    }

    /**
     * The framed block at {@code offset}, read into the calling thread's direct block buffer,
     * which the block's decode copies out of before the thread reads again. A heap buffer would
     * cost an allocation per read, the JDK's temporary direct buffer and a copy from it: a
     * point read that misses the cache is one positional read, and everything around the system
     * call counts.
     */
    private ByteBuffer readBlock(long offset, int length) throws IOException {
        ByteBuffer buffer = BLOCK_BUFFERS.get();
        if (buffer.capacity() < length) {
            buffer = ByteBuffer.allocateDirect(Math.max(length, 2 * buffer.capacity()));
            BLOCK_BUFFERS.set(buffer);
        }
        buffer.clear().limit(length);
        readFully(file, channel, offset, buffer);
        return buffer.flip();
    }

    private static ByteBuffer read(Path file, FileChannel channel, long offset, int length)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(file, channel, offset, buffer);
        return buffer.flip();
    }

    private static void readFully(Path file, FileChannel channel, long offset, ByteBuffer buffer)
            throws IOException {
        long position = offset;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new CorruptRunException(file, position, "unexpected end of file while reading "
                        + buffer.limit() + " bytes at offset " + offset + "; the file is truncated");
            }
            position += read;
        }
    }
}
