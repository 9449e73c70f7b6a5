package dev.spillway.examples.bench;

import java.util.Locale;
import java.util.Optional;

/**
 * The result of the benchmark job on one backend: its measurement, or why there is none (the
 * child JVM ran out of memory or hung, or the backend is not part of this build).
 */
record JobBenchmarkResult(String backend, Optional<JobMeasurement> measurement, String outcome) {

    static JobBenchmarkResult measured(String backend, JobMeasurement measurement) {
        String outcome =
                measurement.completed()
                        ? "completed"
                        : String.format(
                                Locale.ROOT,
                                "stopped at the time limit after %.0f%% of the records",
                                100.0 * measurement.records() / measurement.plannedRecords());
        return new JobBenchmarkResult(backend, Optional.of(measurement), outcome);
    }

    static JobBenchmarkResult failed(String backend, String outcome) {
        return new JobBenchmarkResult(backend, Optional.empty(), outcome);
    }
}
