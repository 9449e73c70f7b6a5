package dev.spillway.examples.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobMeasurementTest {

    private static final JobMeasurement MEASUREMENT =
            new JobMeasurement(
                    3_000_000, 1_500_000, 12.5, 900L << 20, 42, 1234, 250, 7, 3100, 123456789);

    @Test
    void lineRoundTrips() {
        String line = MEASUREMENT.toLine();

        assertThat(line).startsWith(JobMeasurement.LINE_PREFIX);
        assertThat(JobMeasurement.parse(line)).isEqualTo(MEASUREMENT);
    }

    @Test
    void rateAndCompletionFollowFromRecordsAndSeconds() {
        assertThat(MEASUREMENT.recordsPerSecond()).isEqualTo(120_000.0);
        assertThat(MEASUREMENT.completed()).isFalse();
        assertThat(new JobMeasurement(10, 10, 1, -1, 0, 0, 0, 0, 0, 0).completed()).isTrue();
    }

    @Test
    void rejectsLineWithMissingField() {
        String line = MEASUREMENT.toLine().replace(" gcMaxMillis=250", "");

        assertThatThrownBy(() -> JobMeasurement.parse(line))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gcMaxMillis");
    }

    @Test
    void rejectsOtherOutput() {
        assertThatThrownBy(() -> JobMeasurement.parse("[  1s] 0 rec/s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Not a job benchmark measurement");
    }
}
