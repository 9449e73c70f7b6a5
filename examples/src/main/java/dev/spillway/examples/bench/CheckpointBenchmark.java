package dev.spillway.examples.bench;

import org.apache.flink.util.ParameterTool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The checkpoint and recovery benchmark: runs {@link CheckpointBenchmarkRun} (load state several
 * times the managed memory, measure checkpoints, inject a failure, rescale 2 → 3) once per backend,
 * each in a fresh child JVM with the same memory configuration, and prints a Markdown table with
 * the ratios of Spillway (incremental and full) to rocksdb with incremental checkpoints.
 *
 * <pre>
 * mvn -q -pl examples -am -DskipTests -Prun-example,checkpoint-benchmark verify \
 *     -Dexample.args="--backends spillway-incremental,spillway-full,rocksdb-incremental,hashmap"
 * </pre>
 *
 * See {@link CheckpointBenchmarkSettings} for all flags.
 */
public final class CheckpointBenchmark {

    private CheckpointBenchmark() {}

    public static void main(String[] args) throws Exception {
        CheckpointBenchmarkSettings settings =
                CheckpointBenchmarkSettings.from(ParameterTool.fromArgs(args));
        System.out.println("Checkpoint benchmark: " + settings.describe());
        List<CheckpointBenchmarkResult> results = new ArrayList<>();
        for (String backend : settings.backends) {
            results.add(runInChildJvm(settings, backend));
        }
        System.out.println();
        System.out.println(CheckpointBenchmarkTable.render(results));
    }

    private static CheckpointBenchmarkResult runInChildJvm(
            CheckpointBenchmarkSettings settings, String backend)
            throws IOException, InterruptedException {
        if (CheckpointBenchmarkSettings.Backend.of(backend).isSpillway()
                && !JobBenchmarkSettings.isAvailable("spillway")) {
            System.out.println("[" + backend + "] not available on this build");
            return CheckpointBenchmarkResult.failed(backend, "not available on this build");
        }
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CheckpointBenchmarkRun.class.getName());
        command.addAll(settings.childArguments(backend));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();

        AtomicReference<CheckpointMeasurement> measurement = new AtomicReference<>();
        AtomicReference<String> rootCause = new AtomicReference<>();
        Thread output =
                new Thread(
                        () -> relayOutput(child, backend, measurement, rootCause),
                        "checkpoint-benchmark-" + backend);
        output.start();
        boolean exited =
                child.waitFor(
                        settings.maxDuration.plus(JobBenchmark.EXIT_GRACE).toMillis(),
                        TimeUnit.MILLISECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        output.join();
        if (!exited) {
            return CheckpointBenchmarkResult.failed(backend, "hung: killed after its time limit");
        }
        if (child.exitValue() != 0 || measurement.get() == null) {
            String cause = rootCause.get() != null ? rootCause.get() : "no exception printed";
            return CheckpointBenchmarkResult.failed(
                    backend, "failed: " + cause + " (exit code " + child.exitValue() + ")");
        }
        return CheckpointBenchmarkResult.measured(backend, measurement.get());
    }

    /** Echoes the child's output with the backend as prefix and picks out its measurement. */
    private static void relayOutput(
            Process child,
            String backend,
            AtomicReference<CheckpointMeasurement> measurement,
            AtomicReference<String> rootCause) {
        try (BufferedReader lines =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(CheckpointMeasurement.LINE_PREFIX)) {
                    measurement.set(CheckpointMeasurement.parse(line));
                    continue;
                }
                JobBenchmark.exceptionClass(line).ifPresent(rootCause::set);
                System.out.println("[" + backend + "] " + line);
            }
        } catch (IOException e) {
            System.out.println("[" + backend + "] output lost: " + e.getMessage());
        }
    }
}
