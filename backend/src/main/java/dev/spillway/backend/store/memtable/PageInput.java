package dev.spillway.backend.store.memtable;

import dev.spillway.backend.memory.Page;

import org.apache.flink.core.memory.DataInputView;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteOrder;

/**
 * A {@link DataInputView} over a range of one page, so that a serializer deserializes a record's
 * value straight from page memory instead of from a heap copy of it. Reading past the range fails
 * with {@link EOFException}, as reading past a byte array does.
 *
 * <p>Reused by its owner (the task thread, under the store lock) for one value at a time: the
 * range is only valid while the page cannot be freed.
 */
final class PageInput implements DataInputView {

    private static final boolean NATIVE_BIG_ENDIAN =
            ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private Page page;
    private int position;
    private int end;

    /** Points the view at {@code [offset, offset+length)} of the page. */
    PageInput reset(Page page, int offset, int length) {
        this.page = page;
        this.position = offset;
        this.end = offset + length;
        return this;
    }

    private int take(int bytes) throws EOFException {
        int at = position;
        if (end - at < bytes) {
            throw new EOFException("Read past the end of a stored value");
        }
        position = at + bytes;
        return at;
    }

    @Override
    public void skipBytesToRead(int numBytes) throws IOException {
        take(numBytes);
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        int n = Math.min(len, end - position);
        if (n <= 0) {
            return -1;
        }
        page.get(position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int read(byte[] b) {
        return read(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        page.get(take(len), b, off, len);
    }

    @Override
    public int skipBytes(int n) {
        int skipped = Math.max(0, Math.min(n, end - position));
        position += skipped;
        return skipped;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readByte() != 0;
    }

    @Override
    public byte readByte() throws IOException {
        return page.getByte(take(1));
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return readByte() & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
        int at = take(2);
        return (short) (((page.getByte(at) & 0xFF) << 8) | (page.getByte(at + 1) & 0xFF));
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readShort() & 0xFFFF;
    }

    @Override
    public char readChar() throws IOException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws IOException {
        int value = page.getInt(take(4));
        return NATIVE_BIG_ENDIAN ? value : Integer.reverseBytes(value);
    }

    @Override
    public long readLong() throws IOException {
        return page.getLongBigEndian(take(8));
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    /** As {@code DataInputStream.readLine}, which Flink's own views also implement this way. */
    @Override
    public String readLine() throws IOException {
        if (position >= end) {
            return null;
        }
        StringBuilder line = new StringBuilder();
        while (position < end) {
            char c = (char) (readByte() & 0xFF);
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                if (position < end && page.getByte(position) == '\n') {
                    position++;
                }
                break;
            }
            line.append(c);
        }
        return line.toString();
    }

    @Override
    public String readUTF() throws IOException {
        return DataInputStream.readUTF(this);
    }
}
