package dev.spillway.backend.store.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunFormatOptionsTest {

    @Test
    void defaultsAreUsable() {
        RunFormatOptions options = RunFormatOptions.defaults();
        assertThat(options.blockSize()).isEqualTo(4 * 1024);
        assertThat(options.compression()).isEqualTo(BlockCompression.LZ4);
        assertThat(options.bloomFalsePositiveRate()).isEqualTo(0.01);
    }

    @Test
    void withersChangeOneSettingAndLeaveTheOriginal() {
        RunFormatOptions defaults = RunFormatOptions.defaults();
        RunFormatOptions changed = defaults.withBlockSize(4096).withCompression(BlockCompression.NONE)
                .withBloomFalsePositiveRate(0.05);
        assertThat(changed.blockSize()).isEqualTo(4096);
        assertThat(changed.compression()).isEqualTo(BlockCompression.NONE);
        assertThat(changed.bloomFalsePositiveRate()).isEqualTo(0.05);
        assertThat(defaults.blockSize()).isEqualTo(RunFormatOptions.DEFAULT_BLOCK_SIZE);
    }

    @Test
    void invalidValuesNameTheAcceptedRange() {
        RunFormatOptions options = RunFormatOptions.defaults();
        assertThatThrownBy(() -> options.withBlockSize(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1024 and 16777216").hasMessageContaining("100");
        assertThatThrownBy(() -> options.withBlockSize(32 << 20))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withCompression(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NONE or LZ4");
        assertThatThrownBy(() -> options.withBloomFalsePositiveRate(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0.0001 and 0.5");
        assertThatThrownBy(() -> options.withBloomFalsePositiveRate(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BlockCache(-1, MemoryCharge.UNACCOUNTED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
    }
}
