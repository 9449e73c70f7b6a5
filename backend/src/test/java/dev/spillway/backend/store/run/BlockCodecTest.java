package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlockCodecTest {

    private static final Path FILE = Path.of("run-test");

    @Test
    void compressibleBlocksAreStoredCompressed() throws Exception {
        byte[] raw = block(new byte[3000]); // zeros: LZ4 shrinks them to almost nothing

        ByteBuffer framed = new BlockCodec.Encoder(BlockCompression.LZ4).encode(raw, raw.length);

        assertThat(framed.get(0)).isEqualTo(RunFormat.CODEC_LZ4);
        assertThat(framed.remaining()).isLessThan(raw.length / 2);
        assertDecodesTo(framed, raw);
    }

    @Test
    void blocksThatBarelyShrinkAreStoredRaw() throws Exception {
        byte[] values = new byte[3000];
        new SplittableRandom(7).nextBytes(values);
        Arrays.fill(values, 0, 200, (byte) 'k'); // a little redundancy: LZ4 saves under 1/8
        byte[] raw = block(values);

        ByteBuffer framed = new BlockCodec.Encoder(BlockCompression.LZ4).encode(raw, raw.length);

        assertThat(framed.get(0)).isEqualTo(RunFormat.CODEC_NONE);
        assertDecodesTo(framed, raw);
    }

    /** A well-formed encoded block holding one entry with the given value. */
    private static byte[] block(byte[] value) {
        BlockBuilder builder = new BlockBuilder(4096);
        byte[] key = {1, 2, 3};
        builder.add(key, 0, key.length, EntryKind.PUT, value, 0, value.length);
        int size = builder.finishedSize();
        return Arrays.copyOf(builder.finish(), size);
    }

    @Test
    void blocksDecodeWhereAReadAheadLandedThemInADirectBuffer() throws Exception {
        byte[] zeros = block(new byte[3000]);
        byte[] random = new byte[3000];
        new SplittableRandom(11).nextBytes(random);
        byte[] noise = block(random);
        BlockCodec.Encoder encoder = new BlockCodec.Encoder(BlockCompression.LZ4);
        byte[] compressed = bytes(encoder.encode(zeros, zeros.length));
        byte[] stored = bytes(encoder.encode(noise, noise.length));

        ByteBuffer ahead = ByteBuffer.allocateDirect(7 + compressed.length + stored.length);
        ahead.position(7);
        ahead.put(compressed).put(stored).flip();

        Block first = BlockCodec.decode(ahead, 7, compressed.length, FILE, 0);
        Block second = BlockCodec.decode(ahead, 7 + compressed.length, stored.length, FILE, 0);

        assertThat(first.value(0)).isEqualTo(Block.wrap(zeros).value(0));
        assertThat(second.value(0)).isEqualTo(Block.wrap(noise).value(0));
        assertThat(ahead.position()).as("decoding leaves the read-ahead's position").isZero();
    }

    @Test
    void aFlippedByteInADirectBufferIsReportedWithFileAndOffset() throws Exception {
        byte[] raw = block(new byte[3000]);
        byte[] framed = bytes(new BlockCodec.Encoder(BlockCompression.LZ4).encode(raw, raw.length));
        ByteBuffer ahead = ByteBuffer.allocateDirect(framed.length).put(framed).flip();
        ahead.put(framed.length / 2, (byte) (ahead.get(framed.length / 2) ^ 0x10));

        assertThatThrownBy(() -> BlockCodec.decode(ahead, 0, framed.length, FILE, 4096))
                .isInstanceOf(CorruptRunException.class)
                .hasMessageContaining("run-test")
                .hasMessageContaining("4096")
                .hasMessageContaining("checksum mismatch");
    }

    private static byte[] bytes(ByteBuffer framed) {
        byte[] bytes = new byte[framed.remaining()];
        framed.duplicate().get(bytes);
        return bytes;
    }

    private static void assertDecodesTo(ByteBuffer framed, byte[] raw) throws Exception {
        Block block = BlockCodec.decode(bytes(framed), FILE, 0);
        assertThat(block.value(0)).isEqualTo(Block.wrap(raw).value(0));
    }
}
