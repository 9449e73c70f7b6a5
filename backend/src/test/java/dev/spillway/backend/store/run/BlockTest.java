package dev.spillway.backend.store.run;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class BlockTest {

    /** Keys 0, 2, 4, ... as two bytes, so odd keys fall between entries. */
    private static Block evenKeys(int count) {
        BlockBuilder builder = new BlockBuilder(RunFormatOptions.MIN_BLOCK_SIZE);
        for (int i = 0; i < count; i++) {
            byte[] key = {(byte) (2 * i >>> 8), (byte) (2 * i)};
            builder.add(key, 0, 2, EntryKind.PUT, new byte[] {(byte) i}, 0, 1);
        }
        return Block.wrap(Arrays.copyOf(builder.finish(), builder.finishedSize()));
    }

    @Test
    void seekFindsEveryKeyAndTheNextKeyForGaps() {
        for (int count : new int[] {1, 15, 16, 17, 33, 100}) {
            Block block = evenKeys(count);
            assertThat(block.count()).isEqualTo(count);
            for (int k = -1; k <= 2 * count; k++) {
                byte[] target = k < 0 ? new byte[0] : new byte[] {(byte) (k >>> 8), (byte) k};
                int offset = block.seek(target, 0, target.length);
                int expectedIndex = k < 0 ? 0 : (k + 1) / 2;
                if (expectedIndex == count) {
                    assertThat(offset).isEqualTo(block.entriesEnd());
                } else {
                    assertThat(block.value(offset)).containsExactly(expectedIndex);
                }
            }
        }
    }

    @Test
    void iterationVisitsEveryEntryInOrder() {
        Block block = evenKeys(40);
        int seen = 0;
        for (int offset = 0; offset < block.entriesEnd(); offset = block.next(offset)) {
            assertThat(block.value(offset)).containsExactly(seen);
            assertThat(block.kind(offset)).isEqualTo(EntryKind.PUT);
            seen++;
        }
        assertThat(seen).isEqualTo(40);
    }

    @Test
    void wrapRejectsInconsistentTrailers() {
        BlockBuilder builder = new BlockBuilder(RunFormatOptions.MIN_BLOCK_SIZE);
        for (int i = 0; i < 20; i++) {
            builder.add(new byte[] {(byte) i}, 0, 1, EntryKind.PUT, new byte[3], 0, 3);
        }
        byte[] good = Arrays.copyOf(builder.finish(), builder.finishedSize());
        assertThat(Block.wrap(good)).isNotNull();

        byte[] wrongCount = good.clone();
        wrongCount[wrongCount.length - 1] = 21;
        assertThat(Block.wrap(wrongCount)).isNull();

        byte[] wrongRestart = good.clone();
        wrongRestart[wrongRestart.length - 5] ^= 1; // second restart offset
        assertThat(Block.wrap(wrongRestart)).isNull();

        byte[] unknownKind = good.clone();
        unknownKind[2] = 9; // kind byte of the first entry
        assertThat(Block.wrap(unknownKind)).isNull();

        assertThat(Block.wrap(new byte[] {0, 0})).isNull();
        assertThat(Block.wrap(new byte[] {0, 0, 0, 0})).isNull();
    }
}
