package dev.spillway.serializers;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Truncated and corrupt bytes end in an {@link IOException} that names the type, quickly, without
 * allocating more than the record holds.
 */
class CorruptInputTest {

    private final RegisteredKryoSerializer<Blob> serializer =
            new RegisteredKryoSerializer<>(Blob.class, Blob.REGISTRATIONS);

    @Test
    void everyTruncationFailsWithIOException() throws IOException {
        byte[] record = serialize(Blob.sample(5));
        assertThat(deserialize(record)).isEqualTo(Blob.sample(5));
        for (int cut = 0; cut < record.length; cut++) {
            byte[] truncated = Arrays.copyOf(record, cut);
            assertThatThrownBy(() -> deserialize(truncated))
                    .as("record cut after %d of %d bytes", cut, record.length)
                    .isInstanceOf(EOFException.class);
        }
    }

    @Test
    void lengthPrefixAboveTheLimitIsRejectedBeforeReading() {
        DataOutputSerializer out = new DataOutputSerializer(8);
        byte[] tooLong = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F};
        assertThatThrownBy(() -> deserialize(tooLong))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("length prefix says")
                .hasMessageContaining(Blob.class.getName());
        byte[] endless = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        assertThatThrownBy(() -> deserialize(endless))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("runs past");
        assertThat(out.length()).isZero();
    }

    /** A record whose only field is an int array, so the array's count has a known offset. */
    public static final class Numbers {
        int[] values;
    }

    @Test
    void hugeArrayCountFailsWithoutAllocating() throws IOException {
        RegisteredKryoSerializer<Numbers> numbers =
                new RegisteredKryoSerializer<>(
                        Numbers.class,
                        KryoRegistrations.builder()
                                .register(Numbers.class, 30)
                                .register(int[].class, 31)
                                .build());
        Numbers record = new Numbers();
        record.values = new int[] {1, 2, 3, 4};
        DataOutputSerializer out = new DataOutputSerializer(32);
        numbers.serialize(record, out);
        byte[] bytes = out.getCopyOfBuffer();
        // [length][class id of Numbers + 2][int[] count + 1][ints...]
        assertThat(bytes[1]).isEqualTo((byte) (30 + 2));
        assertThat(bytes[2]).isEqualTo((byte) (4 + 1));
        byte[] corrupt =
                splice(bytes, 2, 1, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
        assertThatThrownBy(() -> numbers.deserialize(new DataInputDeserializer(corrupt)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(Numbers.class.getName())
                .hasMessageContaining("int array declares 2147483646 elements");
    }

    @Test
    void trailingBytesInsideARecordAreCorruption() throws IOException {
        byte[] record = serialize(Blob.sample(2));
        byte[] padded = splice(record, record.length, 0, new byte[] {0, 0});
        padded[0] = (byte) (record[0] + 2);
        assertThatThrownBy(() -> deserialize(padded))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ended after");
    }

    @Test
    void randomlyCorruptedRecordsNeverEscapeAsAnythingButIOException() {
        Random random = new Random(20261125L);
        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> {
                    for (int i = 0; i < 3_000; i++) {
                        byte[] record = serialize(Blob.sample(i % 50));
                        int flips = 1 + random.nextInt(3);
                        for (int f = 0; f < flips; f++) {
                            // Leave the length prefix alone to exercise Kryo's side.
                            int at = 1 + random.nextInt(record.length - 1);
                            record[at] = (byte) random.nextInt(256);
                        }
                        try {
                            deserialize(record);
                        } catch (IOException expected) {
                            assertThat(expected).hasMessageContaining(Blob.class.getName());
                        }
                    }
                });
    }

    private byte[] serialize(Blob blob) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(blob, out);
        return out.getCopyOfBuffer();
    }

    private Blob deserialize(byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        Blob blob = serializer.deserialize(in);
        assertThat(in.available()).isZero();
        return blob;
    }

    /** Replaces {@code length} bytes at {@code at} and fixes the one-byte length prefix. */
    private static byte[] splice(byte[] record, int at, int length, byte[] replacement) {
        byte[] result = new byte[record.length - length + replacement.length];
        System.arraycopy(record, 0, result, 0, at);
        System.arraycopy(replacement, 0, result, at, replacement.length);
        System.arraycopy(record, at + length, result, at + replacement.length, record.length - at - length);
        result[0] = (byte) (result.length - 1);
        return result;
    }
}
