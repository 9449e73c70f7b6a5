package dev.spillway.serializers;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * The length prefix in front of every record of a {@link RegisteredKryoSerializer}: an unsigned
 * LEB128 varint (7 bits a byte, low group first, high bit set on every byte but the last), checked
 * against {@link RegisteredKryoSerializer#MAX_RECORD_BYTES} on read.
 */
final class RecordLength {

    /** {@code MAX_RECORD_BYTES} needs 4 varint bytes; a fifth means corruption. */
    private static final int MAX_VARINT_BYTES = 4;

    private RecordLength() {}

    static void write(int length, DataOutputView target) throws IOException {
        while ((length & ~0x7F) != 0) {
            target.writeByte((length & 0x7F) | 0x80);
            length >>>= 7;
        }
        target.writeByte(length);
    }

    static int read(DataInputView source, Class<?> type) throws IOException {
        int length = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            int b = source.readUnsignedByte();
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (length > RegisteredKryoSerializer.MAX_RECORD_BYTES) {
                    throw new IOException(
                            "Corrupt record of type "
                                    + type.getName()
                                    + ": its length prefix says "
                                    + length
                                    + " bytes, more than the limit of "
                                    + RegisteredKryoSerializer.MAX_RECORD_BYTES
                                    + ".");
                }
                return length;
            }
        }
        throw new IOException(
                "Corrupt record of type "
                        + type.getName()
                        + ": its length prefix runs past "
                        + MAX_VARINT_BYTES
                        + " bytes.");
    }
}
