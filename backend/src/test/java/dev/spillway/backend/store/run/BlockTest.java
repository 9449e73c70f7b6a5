package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

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
    void inconsistentBlocksAreNeverTrusted() {
        BlockBuilder builder = new BlockBuilder(RunFormatOptions.MIN_BLOCK_SIZE);
        for (int i = 0; i < 20; i++) {
            builder.add(new byte[] {(byte) i}, 0, 1, EntryKind.PUT, new byte[3], 0, 3);
        }
        byte[] good = Arrays.copyOf(builder.finish(), builder.finishedSize());
        assertThat(trusted(good)).isNotNull();

        byte[] wrongCount = good.clone();
        wrongCount[wrongCount.length - 1] = 21;
        assertThat(trusted(wrongCount)).isNull();

        byte[] wrongRestart = good.clone();
        wrongRestart[wrongRestart.length - 5] ^= 1; // second restart offset
        assertThat(trusted(wrongRestart)).isNull();

        byte[] unknownKind = good.clone();
        unknownKind[2] = 9; // kind byte of the first entry
        assertThat(trusted(unknownKind)).isNull();

        assertThat(trusted(new byte[] {0, 0})).isNull();
        assertThat(trusted(new byte[] {0, 0, 0, 0})).isNull();
    }

    /**
     * The block as a reader may trust it: the trailer checked at decode, the entries checked once
     * when the block enters the cache or a scan.
     */
    private static Block trusted(byte[] decoded) {
        Block block = Block.wrap(decoded);
        return block != null && block.validate() ? block : null;
    }
}
