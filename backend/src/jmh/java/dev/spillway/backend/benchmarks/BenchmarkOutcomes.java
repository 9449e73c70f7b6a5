package dev.spillway.backend.benchmarks;

import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

/**
 * Records why a benchmark produced no number (the backend ran out of heap while loading its
 * state, or is not part of this build), so that the report can show the outcome in place of a
 * throughput. JMH itself only prints the stack trace of a failed fork.
 *
 * <p>Each forked JVM appends one tab-separated line, {@code benchmark backend distribution
 * stateSize outcome}, to the file named by the system property {@value #FILE_PROPERTY}; JMH
 * passes the host JVM's {@code -D} options on to its forks.
 */
final class BenchmarkOutcomes {

    static final String FILE_PROPERTY = "spillway.bench.outcomes";

    private BenchmarkOutcomes() {}

    static void record(BenchmarkParams params, String outcome) {
        String line =
                String.join(
                                "\t",
                                params.getBenchmark(),
                                params.getParam("backend"),
                                params.getParam("distribution"),
                                params.getParam("stateSize"),
                                outcome)
                        + System.lineSeparator();
        System.err.print("Benchmark outcome: " + line);
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null) {
            return;
        }
        Path path = Paths.get(file);
        try {
            Files.write(
                    path,
                    line.getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot record a benchmark outcome in " + path, e);
        }
    }
}
