package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;
import dev.spillway.backend.store.entry.KeyHash;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes one immutable run file from entries given in strictly ascending unsigned key order.
 *
 * <p><b>Crash safety.</b> Bytes go to {@code <name>.tmp}; {@link #finish()} appends the bloom
 * filter, index and footer, fsyncs, and only then renames the file atomically to its final name.
 * A crash or an I/O error at any point leaves either no file under the final name or a complete
 * one; a failed writer deletes its temporary file before rethrowing.
 *
 * <p><b>Memory.</b> The writer holds one block being filled (the target block size, more only
 * for a single larger entry), one framed block for the codec, the bloom filter (about 1.2 bytes
 * per expected entry at 1%) and the growing sparse index (one first key per block). {@link
 * RunDirectory#writerMemory} estimates the total up front, so a caller can reserve it from the
 * execution pool before writing; {@link #memoryBytes()} reports what the writer actually holds.
 *
 * <p>Not thread-safe: one thread writes a run. Always {@link #close()} a writer; closing an
 * unfinished writer aborts it.
 */
public final class RunWriter implements Closeable {

    /**
     * Why a run is written: attributes bytes in {@link RunStatistics} and says, per checkpoint,
     * what an incremental checkpoint uploads ({@link Run#origin()}).
     */
    public enum Purpose {
        /** Entries evicted from memory. */
        SPILL,
        /** The merge of existing runs. */
        COMPACTION,
        /** The in-memory part of a snapshot, written for a checkpoint. */
        SNAPSHOT,
        /** Not written here: a checkpoint's file that a restore adopted. */
        ADOPTED
    }

    private final RunDirectory directory;
    private final long id;
    private final Purpose purpose;
    private final Path temporaryFile;
    private final Path finalFile;
    private final RunOutput output;
    private final BlockBuilder block;
    private final BlockCodec.Encoder encoder;
    private final BloomFilter bloom;
    private final RowPrefix rows;
    /** Hash of the last row added to the bloom filter: consecutive keys share rows. */
    private long lastRowHash;
    private boolean anyRow;
    private final BlockIndex.Builder index = new BlockIndex.Builder();
    private final CRC32C crc = new CRC32C();

    /** The previous entry's key in {@code lastKey[0, lastKeyLength)}; reused across entries. */
    private byte[] lastKey = new byte[64];
    private int lastKeyLength = -1;
    private byte[] blockFirstKey;
    private long position;
    private long entryCount;
    private long userBytes;
    private boolean done;

    RunWriter(RunDirectory directory, long id, Purpose purpose, Path finalFile, RunOutput output,
            RunFormatOptions options, long expectedEntries) throws IOException {
        this.directory = directory;
        this.id = id;
        this.purpose = purpose;
        this.finalFile = finalFile;
        this.temporaryFile = temporaryName(finalFile);
        this.output = output;
        this.block = new BlockBuilder(options.blockSize());
        this.encoder = new BlockCodec.Encoder(options.compression());
        this.bloom = BloomFilter.forExpectedKeys(expectedEntries, options.bloomFalsePositiveRate());
        this.rows = options.rowPrefix();
        if (rows != null) {
            bloom.addsRows();
        }
        ByteBuffer header = ByteBuffer.allocate(RunFormat.HEADER_SIZE);
        header.putLong(RunFormat.MAGIC).putInt(RunFormat.VERSION).flip();
        try {
            write(header);
        } catch (IOException e) {
            throw abort(e);
        }
    }

    static Path temporaryName(Path finalFile) {
        return finalFile.resolveSibling(finalFile.getFileName() + ".tmp");
    }

    /** Adds an entry; its key must be greater than the previous entry's key. */
    public void add(byte[] key, EntryKind kind, byte[] value) throws IOException {
        add(key, 0, key.length, kind, value, 0, value.length);
    }

    /** Adds an entry from array ranges; the key must be greater than the previous entry's key. */
    public void add(byte[] key, int keyOffset, int keyLength, EntryKind kind,
            byte[] value, int valueOffset, int valueLength) throws IOException {
        checkWritable();
        if (kind == EntryKind.DELETE && valueLength != 0) {
            throw new IllegalArgumentException("A DELETE entry has an empty value");
        }
        if (lastKeyLength >= 0
                && Arrays.compareUnsigned(lastKey, 0, lastKeyLength, key, keyOffset, keyOffset + keyLength) >= 0) {
            throw new IllegalArgumentException(
                    "Run entries must be added in strictly ascending unsigned key order: key "
                            + Arrays.toString(Arrays.copyOfRange(key, keyOffset, keyOffset + keyLength))
                            + " follows " + Arrays.toString(Arrays.copyOf(lastKey, lastKeyLength)));
        }
        int size = BlockBuilder.entrySize(keyLength, valueLength);
        if (block.wouldOverflow(size)) {
            try {
                flushBlock();
            } catch (IOException e) {
                throw abort(e);
            }
        }
        if (block.isEmpty()) {
            blockFirstKey = Arrays.copyOfRange(key, keyOffset, keyOffset + keyLength);
        }
        if (keyLength > lastKey.length) {
            lastKey = new byte[Math.max(keyLength, 2 * lastKey.length)];
        }
        System.arraycopy(key, keyOffset, lastKey, 0, keyLength);
        lastKeyLength = keyLength;
        block.add(key, keyOffset, keyLength, kind, value, valueOffset, valueLength);
        bloom.add(key, keyOffset, keyLength);
        addRow(key, keyOffset, keyLength);
        entryCount++;
        userBytes += keyLength + valueLength;
    }

    /**
     * Adds the key's row to the bloom filter when it is shorter than the key (a key that is its
     * own row is in the filter already, under the same hash).
     */
    private void addRow(byte[] key, int keyOffset, int keyLength) {
        if (rows == null) {
            return;
        }
        byte[] whole = keyOffset == 0 ? key : Arrays.copyOfRange(key, keyOffset, keyOffset + keyLength);
        // A key without a complete row can never be under a prefix that has one: nothing to add.
        int row = RowPrefix.of(rows, whole, keyLength);
        if (row > 0 && row < keyLength) {
            long hash = KeyHash.hash64(whole, 0, row);
            if (!anyRow || hash != lastRowHash) {
                bloom.add(hash);
                lastRowHash = hash;
                anyRow = true;
            }
        }
    }

    /** Entries added so far. */
    public long entryCount() {
        return entryCount;
    }

    /** Bytes written to the file so far (blocks flushed, plus the header). */
    public long bytesWritten() {
        return position;
    }

    /** Heap bytes the writer holds now. */
    public long memoryBytes() {
        return block.bufferBytes() + encoder.bufferBytes() + bloom.heapBytes() + index.heapBytes();
    }

    /**
     * Completes the file, makes it durable, renames it to its final name and opens it. The
     * returned run carries one reference, owned by the caller. At least one entry must have been
     * added; a writer with none is simply {@link #close() closed}.
     */
    public Run finish() throws IOException {
        checkWritable();
        if (entryCount == 0) {
            throw new IllegalStateException("A run needs at least one entry; close() the writer instead");
        }
        try {
            flushBlock();
            long bloomOffset = position;
            ByteBuffer bloomSection = ByteBuffer.allocate(bloom.serializedSize() + RunFormat.CHECKSUM_SIZE);
            bloom.writeTo(bloomSection);
            int bloomLength = writeChecked(bloomSection);
            long indexOffset = position;
            byte[] indexBytes = index.serialize(Arrays.copyOf(lastKey, lastKeyLength));
            ByteBuffer indexSection = ByteBuffer.allocate(indexBytes.length + RunFormat.CHECKSUM_SIZE);
            indexSection.put(indexBytes);
            int indexLength = writeChecked(indexSection);
            ByteBuffer footer = ByteBuffer.allocate(RunFormat.FOOTER_SIZE);
            footer.putLong(entryCount)
                    .putLong(bloomOffset).putInt(bloomLength)
                    .putLong(indexOffset).putInt(indexLength)
                    .putInt(RunFormat.VERSION);
            crc.reset();
            crc.update(footer.array(), 0, RunFormat.FOOTER_CRC_COVERED);
            footer.putInt((int) crc.getValue()).putLong(RunFormat.MAGIC).flip();
            write(footer);
            output.sync();
            output.close();
            moveIntoPlace();
        } catch (IOException | RuntimeException e) {
            throw abort(e);
        }
        done = true;
        Run run;
        try {
            run = directory.open(id, finalFile, purpose);
        } catch (IOException e) {
            Files.deleteIfExists(finalFile);
            throw new IOException("Run file " + finalFile + " was written but cannot be read back ("
                    + e.getMessage() + "); it was deleted and no run was added.", e);
        }
        directory.statistics().recordRunWritten(purpose, position, userBytes);
        return run;
    }

    /** Aborts an unfinished writer, deleting its temporary file; a no-op after finish. */
    @Override
    public void close() throws IOException {
        if (!done) {
            done = true;
            try {
                output.close();
            } finally {
                Files.deleteIfExists(temporaryFile);
            }
        }
    }

    private void moveIntoPlace() throws IOException {
        try {
            Files.move(temporaryFile, finalFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The spill directory " + finalFile.getParent()
                    + " does not support atomic renames; choose a local file system for it", e);
        }
        directory.syncDirectory();
    }

    private void flushBlock() throws IOException {
        if (block.isEmpty()) {
            return;
        }
        int rawLength = block.finishedSize();
        ByteBuffer framed = encoder.encode(block.finish(), rawLength);
        long offset = position;
        int length = framed.remaining();
        write(framed);
        index.add(blockFirstKey, offset, length);
        block.reset();
    }

    /** Appends a CRC32C of the section's bytes, writes it, and returns the section length. */
    private int writeChecked(ByteBuffer section) throws IOException {
        int covered = section.position();
        crc.reset();
        crc.update(section.array(), 0, covered);
        section.putInt((int) crc.getValue()).flip();
        write(section);
        return covered + RunFormat.CHECKSUM_SIZE;
    }

    private void write(ByteBuffer bytes) throws IOException {
        int length = bytes.remaining();
        output.write(bytes);
        position += length;
    }

    private void checkWritable() {
        if (done) {
            throw new IllegalStateException("Run writer for " + finalFile + " is finished or aborted");
        }
    }

    /** Deletes the partial file and returns the exception to throw. */
    private IOException abort(Exception cause) {
        IOException failure = new IOException(
                "Writing run file " + finalFile + " failed after " + position + " bytes ("
                        + cause.getMessage() + "). The partial file was deleted and no run was"
                        + " added; the entries being written are still where they were (memory or"
                        + " the input runs). Check free space and permissions of the spill"
                        + " directory " + finalFile.getParent() + ".",
                cause);
        if (!done) {
            try {
                close();
            } catch (IOException | RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
        return failure;
    }
}
