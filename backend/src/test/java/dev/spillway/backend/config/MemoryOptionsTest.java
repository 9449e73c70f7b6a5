package dev.spillway.backend.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spillway.backend.memory.MemorySettings;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

/** Reading and validating {@code spillway.memory.*}. */
class MemoryOptionsTest {

    @Test
    void defaultsWork() {
        MemorySettings settings = MemoryOptions.settingsFrom(new Configuration());
        assertThat(settings.storageFraction()).isEqualTo(0.5);
        assertThat(settings.pageSize()).isEqualTo(32 * 1024);
        assertThat(settings.executionWaitTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsConfiguredValues() {
        Configuration config = new Configuration();
        config.setString("spillway.memory.storage-fraction", "0.25");
        config.setString("spillway.memory.page-size", "64 kb");
        config.setString("spillway.memory.execution-wait-timeout", "0 ms");

        MemorySettings settings = MemoryOptions.settingsFrom(config);
        assertThat(settings.storageFraction()).isEqualTo(0.25);
        assertThat(settings.pageSize()).isEqualTo(64 * 1024);
        assertThat(settings.executionWaitTimeout()).isZero();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "spillway.memory.storage-fraction | 1.5   | [0.0, 1.0]",
                "spillway.memory.storage-fraction | -0.1  | [0.0, 1.0]",
                "spillway.memory.storage-fraction | half  | [0.0, 1.0]",
                "spillway.memory.page-size        | 3000  | a power of two from 4 kb to 64 mb",
                "spillway.memory.page-size        | 2 kb  | a power of two from 4 kb to 64 mb",
                "spillway.memory.page-size        | 1 gb  | a power of two from 4 kb to 64 mb",
                "spillway.memory.page-size        | big   | a power of two from 4 kb to 64 mb",
                "spillway.memory.execution-wait-timeout | soon | a non-negative duration",
            })
    void rejectsInvalidValuesNamingTheOptionAndRange(String key, String value, String range) {
        Configuration config = new Configuration();
        config.setString(key, value);
        assertThatThrownBy(() -> MemoryOptions.settingsFrom(config))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining("'" + key + "'")
                .hasMessageContaining(range);
    }

    @Test
    void everyOptionHasADescriptionAndItsPrefix() {
        for (ConfigOption<?> option :
                List.of(
                        MemoryOptions.STORAGE_FRACTION,
                        MemoryOptions.PAGE_SIZE,
                        MemoryOptions.EXECUTION_WAIT_TIMEOUT)) {
            assertThat(option.key()).startsWith("spillway.memory.");
            assertThat(option.hasDefaultValue()).isTrue();
            assertThat(option.description().toString()).isNotBlank();
        }
    }

    @Test
    void settingsRejectWhatTheOptionsReject() {
        assertThatThrownBy(() -> MemorySettings.defaults().withStorageFraction(1.01))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemorySettings.defaults().withPageSize(48 * 1024))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                MemorySettings.defaults()
                                        .withExecutionWaitTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
