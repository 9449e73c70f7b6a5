package dev.spillway.examples.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JobBenchmarkTableTest {

    private static final long MIB = 1 << 20;

    private static JobMeasurement measurement(double seconds, long rssMib, long gcMaxMillis) {
        return new JobMeasurement(
                1_000_000,
                1_000_000,
                seconds,
                rssMib * MIB,
                10,
                100,
                gcMaxMillis,
                3,
                500,
                64 * MIB);
    }

    @Test
    void showsEveryBackendAndSpillwayRatios() {
        String table =
                JobBenchmarkTable.render(
                        List.of(
                                JobBenchmarkResult.measured("hashmap", measurement(2, 900, 400)),
                                JobBenchmarkResult.measured("rocksdb", measurement(8, 1300, 50)),
                                JobBenchmarkResult.measured("spillway", measurement(4, 700, 20))),
                        1000 * MIB);

        assertThat(table)
                .contains("| records/s | higher | 500,000 | 125,000 | 250,000 | 2.00× | 0.50× |")
                .contains("| GC pause max (ms) | lower | 400 | 50 | 20 | 0.40× | 0.05× |")
                .contains("- spillway: peak RSS 700 MiB is within the configured process memory")
                .contains("- rocksdb: peak RSS 1,300 MiB is OVER the configured process memory");
    }

    @Test
    void showsOutcomeAndNoRatiosForABackendWithoutMeasurement() {
        String table =
                JobBenchmarkTable.render(
                        List.of(
                                JobBenchmarkResult.failed("hashmap", "OutOfMemoryError"),
                                JobBenchmarkResult.measured("rocksdb", measurement(8, 1300, 50)),
                                JobBenchmarkResult.failed(
                                        "spillway", "not available on this build")),
                        1000 * MIB);

        assertThat(table)
                .contains(
                        "| outcome | | OutOfMemoryError | completed |"
                                + " not available on this build |")
                .contains("| records/s | higher | — | 125,000 | — | — | — |");
    }

    @Test
    void reportsARunStoppedAtItsTimeLimit() {
        JobMeasurement partial =
                new JobMeasurement(1_000_000, 250_000, 60, 500 * MIB, 1, 1, 1, 1, 1, 1);

        assertThat(JobBenchmarkResult.measured("rocksdb", partial).outcome())
                .isEqualTo("stopped at the time limit after 25% of the records");
    }
}
