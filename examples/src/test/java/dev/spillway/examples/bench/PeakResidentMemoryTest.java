package dev.spillway.examples.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeakResidentMemoryTest {

    @Test
    void parsesKernelStatusLine() {
        assertThat(PeakResidentMemory.parseKilobytes("VmHWM:\t  123456 kB"))
                .isEqualTo(123456L * 1024);
    }

    @Test
    void rejectsUnexpectedUnit() {
        assertThatThrownBy(() -> PeakResidentMemory.parseKilobytes("VmHWM: 12 MB"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("VmHWM: 12 MB");
    }
}
