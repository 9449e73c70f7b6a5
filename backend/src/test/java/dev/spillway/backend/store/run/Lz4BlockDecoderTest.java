package dev.spillway.backend.store.run;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Round trips against lz4-java's compressors, and damaged input that must fail cleanly. */
class Lz4BlockDecoderTest {

    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    @Test
    void decodesWhatLz4JavaEncodesForManyShapesOfInput() {
        SplittableRandom random = new SplittableRandom(20261127L);
        for (int round = 0; round < 400; round++) {
            byte[] input = sample(random, round);
            for (LZ4Compressor compressor : new LZ4Compressor[] {LZ4.fastCompressor(), LZ4.highCompressor()}) {
                byte[] compressed = compressor.compress(input);
                byte[] framed = new byte[compressed.length + 10];
                System.arraycopy(compressed, 0, framed, 3, compressed.length);
                byte[] output = new byte[input.length + 6];

                int written = Lz4BlockDecoder.decode(framed, 3, compressed.length, output, 2, input.length);

                assertThat(written).isEqualTo(input.length);
                assertThat(Arrays.copyOfRange(output, 2, 2 + input.length))
                        .as("round %s, %s bytes", round, input.length)
                        .isEqualTo(input);
            }
        }
    }

    @Test
    void anOutputTooSmallIsAnError() {
        byte[] input = "abcabcabcabcabcabcabcabcabcabcabc-tail".getBytes(StandardCharsets.US_ASCII);
        byte[] compressed = LZ4.fastCompressor().compress(input);
        assertThatThrownBy(() -> Lz4BlockDecoder.decode(compressed, 0, compressed.length,
                        new byte[input.length - 1], 0, input.length - 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overrun");
    }

    @Test
    void damagedInputFailsWithAnIllegalArgumentExceptionOrDecodesToSomethingInBounds() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 3000; round++) {
            byte[] input = sample(random, round);
            byte[] compressed = LZ4.fastCompressor().compress(input);
            byte[] damaged = compressed.clone();
            int length = damaged.length;
            switch (round % 3) {
                case 0:
                    damaged[random.nextInt(length)] ^= (byte) (1 + random.nextInt(255));
                    break;
                case 1:
                    length = random.nextInt(length);
                    break;
                default:
                    for (int i = 0; i < 4; i++) {
                        damaged[random.nextInt(length)] = (byte) random.nextInt(256);
                    }
            }
            byte[] output = new byte[input.length];
            try {
                int written = Lz4BlockDecoder.decode(damaged, 0, length, output, 0, output.length);
                assertThat(written).isBetween(0, output.length);
            } catch (IllegalArgumentException expected) {
                // the caller turns this into a CorruptRunException
            } catch (RuntimeException e) {
                fail("round " + round + ": damaged input escaped as " + e);
            }
        }
    }

    /** Random bytes, zeros, short-period patterns (overlapping matches), text-like, or a mix. */
    private static byte[] sample(SplittableRandom random, int round) {
        int length = round % 50 == 0 ? random.nextInt(70_000) : random.nextInt(6000);
        byte[] bytes = new byte[length];
        switch (round % 5) {
            case 0:
                random.nextBytes(bytes);
                break;
            case 1:
                break; // zeros: one long overlapping match
            case 2:
                int period = 1 + random.nextInt(19);
                byte[] pattern = new byte[period];
                random.nextBytes(pattern);
                for (int i = 0; i < length; i++) {
                    bytes[i] = pattern[i % period];
                }
                break;
            case 3:
                String[] words = {"account", "merchant", "amount", "42", "window", " ", ",", "ns"};
                StringBuilder text = new StringBuilder();
                while (text.length() < length) {
                    text.append(words[random.nextInt(words.length)]);
                }
                bytes = text.substring(0, length).getBytes(StandardCharsets.US_ASCII);
                break;
            default:
                for (int i = 0; i < length; i++) {
                    bytes[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : i / 64);
                }
        }
        return bytes;
    }
}
