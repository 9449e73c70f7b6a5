package dev.spillway.serializers.keys;

import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Property tests: for random values (with the edge cases mixed in), decoding gives the value back
 * and, where an encoding claims it, unsigned byte order equals value order.
 */
class KeyEncodingsTest {

    private static final int SAMPLES = 20_000;

    private final Random random = new Random(0x5B111BA7L);

    @Test
    void longsRoundTripAndKeepSignedOrder() throws IOException {
        checkProperties(KeyEncodings.LONG, this::randomLong, Long::compare);
        assertThat(KeyEncodings.toBytes(KeyEncodings.LONG, 0L))
                .containsExactly(0x80, 0, 0, 0, 0, 0, 0, 0);
        assertThat(KeyEncodings.LONG.fixedLength()).isEqualTo(8);
    }

    @Test
    void intsRoundTripAndKeepSignedOrder() throws IOException {
        checkProperties(KeyEncodings.INT, this::randomInt, Integer::compare);
        assertThat(KeyEncodings.toBytes(KeyEncodings.INT, -1)).containsExactly(0x7F, 0xFF, 0xFF, 0xFF);
    }

    @Test
    void stringsRoundTripAndKeepCodePointOrder() throws IOException {
        checkProperties(KeyEncodings.STRING, this::randomString, KeyEncodingsTest::compareCodePoints);
    }

    @Test
    void validUnicodeIsPlainUtf8PlusTheTerminator() {
        String text = "Zürich ✓ \uD83D\uDE00";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] expected = Arrays.copyOf(utf8, utf8.length + 2);
        expected[utf8.length + 1] = 0x01;
        assertThat(KeyEncodings.toBytes(KeyEncodings.STRING, text)).isEqualTo(expected);
    }

    @Test
    void stringOrderDiffersFromCompareToOnlyWhereDocumented() {
        String privateUse = "\uE000";
        String emoji = "\uD83D\uDE00";
        assertThat(privateUse.compareTo(emoji)).isPositive();
        assertThat(compareBytes(KeyEncodings.STRING, privateUse, emoji)).isNegative();
    }

    @Test
    void byteArraysRoundTripAndKeepUnsignedLexicographicOrder() throws IOException {
        checkProperties(KeyEncodings.BYTES, this::randomBytes, Arrays::compareUnsigned);
        assertThat(KeyEncodings.toBytes(KeyEncodings.BYTES, new byte[] {0, 7}))
                .containsExactly(0x00, 0xFF, 0x07, 0x00, 0x01);
    }

    @Test
    void tuplesRoundTripAndKeepLexicographicFieldOrder() throws IOException {
        KeyEncoding<Tuple3<String, Long, byte[]>> encoding =
                KeyEncodings.tuple(KeyEncodings.STRING, KeyEncodings.LONG, KeyEncodings.BYTES);
        Comparator<Tuple3<String, Long, byte[]>> order =
                Comparator.<Tuple3<String, Long, byte[]>, String>comparing(t -> t.f0, KeyEncodingsTest::compareCodePoints)
                        .thenComparing(t -> t.f1)
                        .thenComparing(t -> t.f2, Arrays::compareUnsigned);
        // Few distinct first fields, so later fields decide often.
        Supplier<Tuple3<String, Long, byte[]>> values =
                () -> Tuple3.of(random.nextInt(4) == 0 ? randomString() : "k" + random.nextInt(3), randomLong(), randomBytes());
        checkProperties(encoding, values, order, (a, b) -> a.f0.equals(b.f0) && a.f1.equals(b.f1) && Arrays.equals(a.f2, b.f2));
        assertThat(encoding.fixedLength()).isEqualTo(-1);
        assertThat(KeyEncodings.<Tuple2<Long, Integer>>tuple(KeyEncodings.LONG, KeyEncodings.INT).fixedLength())
                .isEqualTo(12);
    }

    @Test
    void aStringEndingInZeroStillSortsAfterItsPrefixInsideATuple() {
        KeyEncoding<Tuple2<String, Long>> encoding = KeyEncodings.tuple(KeyEncodings.STRING, KeyEncodings.LONG);
        byte[] shortKey = KeyEncodings.toBytes(encoding, Tuple2.of("ab", Long.MAX_VALUE));
        byte[] longKey = KeyEncodings.toBytes(encoding, Tuple2.of("ab\0", Long.MIN_VALUE));
        assertThat(Arrays.compareUnsigned(shortKey, longKey)).isNegative();
    }

    @Test
    void truncatedKeysFailWithEofException() {
        byte[] bytes = KeyEncodings.toBytes(KeyEncodings.tuple(KeyEncodings.STRING, KeyEncodings.INT), Tuple2.of("ü\0x", 5));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.tuple(KeyEncodings.STRING, KeyEncodings.INT), truncated))
                    .isInstanceOf(EOFException.class);
        }
    }

    @Test
    void corruptKeysFailWithIOExceptionSayingWhy() {
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.BYTES, new byte[] {1, 0, 2}))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("must be followed by 01 (end) or FF");
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.STRING, bytes(0xC3, 0x41, 0, 1)))
                .hasMessageContaining("continuation byte 41");
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.STRING, bytes(0xC0, 0x80, 0, 1)))
                .hasMessageContaining("lead byte C0");
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.STRING, bytes(0xE0, 0x80, 0x80, 0, 1)))
                .hasMessageContaining("over-long");
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.STRING, bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0, 1)))
                .hasMessageContaining("surrogate pair written as two 3-byte sequences");
        assertThatThrownBy(() -> KeyEncodings.fromBytes(KeyEncodings.LONG, new byte[9]))
                .hasMessageContaining("1 bytes left");
    }

    @Test
    void nullTupleFieldsAreRejected() {
        assertThatThrownBy(() -> KeyEncodings.toBytes(KeyEncodings.tuple(KeyEncodings.STRING, KeyEncodings.LONG), Tuple2.of("a", null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Field 1");
    }

    private <T> void checkProperties(KeyEncoding<T> encoding, Supplier<T> values, Comparator<T> order) throws IOException {
        checkProperties(encoding, values, order, (a, b) -> order.compare(a, b) == 0);
    }

    private <T> void checkProperties(
            KeyEncoding<T> encoding,
            Supplier<T> values,
            Comparator<T> order,
            java.util.function.BiPredicate<T, T> sameValue)
            throws IOException {
        assertThat(encoding.preservesOrder()).isTrue();
        T previous = values.get();
        byte[] previousBytes = KeyEncodings.toBytes(encoding, previous);
        for (int i = 0; i < SAMPLES; i++) {
            T value = values.get();
            byte[] bytes = KeyEncodings.toBytes(encoding, value);
            T decoded = KeyEncodings.fromBytes(encoding, bytes);
            assertThat(sameValue.test(decoded, value)).as("decode(encode(%s))", value).isTrue();
            if (encoding.fixedLength() > 0) {
                assertThat(bytes).hasSize(encoding.fixedLength());
            }
            assertThat(Integer.signum(Arrays.compareUnsigned(previousBytes, bytes)))
                    .as("order of %s and %s", previous, value)
                    .isEqualTo(Integer.signum(order.compare(previous, value)));
            previous = value;
            previousBytes = bytes;
        }
    }

    private static <T> int compareBytes(KeyEncoding<T> encoding, T a, T b) {
        return Arrays.compareUnsigned(KeyEncodings.toBytes(encoding, a), KeyEncodings.toBytes(encoding, b));
    }

    /** Code point order; an unpaired surrogate counts as the code point of its value. */
    private static int compareCodePoints(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    private long randomLong() {
        switch (random.nextInt(8)) {
            case 0:
                return new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1}[random.nextInt(5)];
            case 1:
                return random.nextInt(5) - 2;
            default:
                return random.nextLong();
        }
    }

    private int randomInt() {
        return random.nextInt(8) == 0
                ? new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1, 1}[random.nextInt(5)]
                : random.nextInt();
    }

    /** Short strings over a small alphabet that includes NUL, BMP, surrogates and pairs. */
    private String randomString() {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(6);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(7)) {
                case 0:
                    text.append('\0');
                    break;
                case 1:
                    text.append((char) random.nextInt(0x80));
                    break;
                case 2:
                    text.append((char) (0x80 + random.nextInt(0x780)));
                    break;
                case 3:
                    text.append((char) (0x800 + random.nextInt(0xF7FF)));
                    break;
                case 4:
                    text.appendCodePoint(0x10000 + random.nextInt(0x100000));
                    break;
                case 5:
                    text.append((char) (0xD800 + random.nextInt(0x800)));
                    break;
                default:
                    text.append((char) ('a' + random.nextInt(3)));
            }
        }
        return text.toString();
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[random.nextInt(5)];
        for (int i = 0; i < bytes.length; i++) {
            int pick = random.nextInt(4);
            bytes[i] = pick == 0 ? 0 : pick == 1 ? (byte) 0xFF : (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
