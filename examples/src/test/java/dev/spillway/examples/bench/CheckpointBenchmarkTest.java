package dev.spillway.examples.bench;

import org.apache.flink.util.ParameterTool;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointBenchmarkTest {

    /** The whole benchmark run, tiny and in this JVM, so that it cannot rot between releases. */
    @Test
    void tinyRunMeasuresCheckpointsRestoreAndRescale() throws Exception {
        CheckpointBenchmarkSettings settings =
                CheckpointBenchmarkSettings.from(
                        ParameterTool.fromArgs(
                                new String[] {
                                    "--keys", "2000",
                                    "--value-size", "64",
                                    "--update-rate", "500",
                                    "--managed-memory", "6m",
                                    "--checkpoint-interval", "200ms",
                                    "--measure", "1s",
                                    "--max-duration", "90s"
                                }));

        CheckpointMeasurement m =
                CheckpointBenchmarkRun.run(
                        settings,
                        CheckpointBenchmarkSettings.Backend.of("spillway-incremental"),
                        System.out);

        assertThat(m.checkpoints()).isPositive();
        assertThat(m.stateBytes()).isGreaterThanOrEqualTo(2000L * 64);
        assertThat(m.sizeMedianBytes()).isPositive().isLessThanOrEqualTo(m.sizeMaxBytes());
        assertThat(m.durationMedianMillis()).isLessThanOrEqualTo(m.durationMaxMillis());
        assertThat(m.restoreMillis()).isPositive();
        assertThat(m.rescaleMillis()).isPositive();
    }

    @Test
    void measurementLineRoundTrips() {
        CheckpointMeasurement m =
                new CheckpointMeasurement(
                        12.5, 3L << 30, 17, 1, 5, 9, 85, 300, 900, 4_200, 7_000);
        assertThat(CheckpointMeasurement.parse(m.toLine())).isEqualTo(m);
    }

    @Test
    void tableQuotesRatiosToRocksdbAndSaysWhyABackendHasNoNumbers() {
        CheckpointMeasurement rocksdb =
                new CheckpointMeasurement(
                        10, 100 << 20, 10, 0, 4 << 20, 8 << 20, 60L << 20, 500, 800, 4_000, 6_000);
        CheckpointMeasurement spillway =
                new CheckpointMeasurement(
                        5, 110 << 20, 12, 0, 2 << 20, 8 << 20, 36L << 20, 250, 900, 2_000, 9_000);
        String table =
                CheckpointBenchmarkTable.render(
                        List.of(
                                CheckpointBenchmarkResult.measured(
                                        "spillway-incremental", spillway),
                                CheckpointBenchmarkResult.failed(
                                        "spillway-full", "failed: OutOfMemoryError (exit code 1)"),
                                CheckpointBenchmarkResult.measured(
                                        "rocksdb-incremental", rocksdb)));

        assertThat(table)
                .contains(
                        "| spillway-incremental / rocksdb-incremental | spillway-full /"
                                + " rocksdb-incremental |")
                .contains(
                        "| checkpointed size, median (MiB) | lower | 2.00 | — | 4.00 | 0.50× | — |")
                .contains("| checkpointed size, mean (MiB) | lower | 3.00 | — | 6.00 | 0.50× | — |")
                .contains("| restore after failure (ms) | lower | 2,000 | — | 4,000 | 0.50× | — |")
                .contains("failed: OutOfMemoryError (exit code 1)");
    }

    @Test
    void medianOfEvenCountAveragesTheMiddleTwo() {
        assertThat(CheckpointBenchmarkRun.median(List.of(4L, 1L, 3L, 2L))).isEqualTo(2L);
        assertThat(CheckpointBenchmarkRun.median(List.of(5L, 1L, 3L))).isEqualTo(3L);
    }
}
