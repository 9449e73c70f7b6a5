package dev.spillway.examples.bench;

import java.util.Optional;

/**
 * The checkpoint benchmark's result on one backend: its measurement, or why there is none (the
 * child JVM failed or hung, or the backend is not part of this build).
 */
record CheckpointBenchmarkResult(
        String backend, Optional<CheckpointMeasurement> measurement, String outcome) {

    static CheckpointBenchmarkResult measured(String backend, CheckpointMeasurement measurement) {
        return new CheckpointBenchmarkResult(backend, Optional.of(measurement), "completed");
    }

    static CheckpointBenchmarkResult failed(String backend, String outcome) {
        return new CheckpointBenchmarkResult(backend, Optional.empty(), outcome);
    }
}
