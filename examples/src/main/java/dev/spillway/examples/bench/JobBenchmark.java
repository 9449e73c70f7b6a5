package dev.spillway.examples.bench;

import org.apache.flink.util.ParameterTool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The job-level benchmark: runs the same keyed aggregation with checkpoints ({@link
 * JobBenchmarkRun}) once per backend, each in a fresh child JVM with the same memory
 * configuration, and prints a Markdown table of records/s, peak RSS, GC pauses and checkpoint
 * duration and size, with the ratios of Spillway to rocksdb and hashmap.
 *
 * <p>Forking keeps the runs independent: one backend's heap, native memory and JIT state cannot
 * colour the next one's, and peak RSS is that of a process that ran one backend only. A child that
 * runs out of memory, or does not exit within {@link #EXIT_GRACE} after its time limit, is
 * reported as such.
 *
 * <pre>
 * mvn -q -pl examples -am -DskipTests -Prun-example verify \
 *     -Dexample.mainClass=dev.spillway.examples.bench.JobBenchmark \
 *     -Dexample.args="--backends hashmap,rocksdb,spillway"
 * </pre>
 *
 * See {@link JobBenchmarkSettings} for all flags.
 */
public final class JobBenchmark {

    /** Time for a child to start, stop the job at its time limit and exit. */
    static final Duration EXIT_GRACE = Duration.ofMinutes(2);

    private JobBenchmark() {}

    public static void main(String[] args) throws Exception {
        JobBenchmarkSettings settings = JobBenchmarkSettings.from(ParameterTool.fromArgs(args));
        System.out.println("Job benchmark: " + settings.describe());
        List<JobBenchmarkResult> results = new ArrayList<>();
        for (String backend : settings.backends) {
            results.add(runInChildJvm(settings, backend));
        }
        System.out.println();
        System.out.println(JobBenchmarkTable.render(results, settings.processMemoryBytes()));
    }

    private static JobBenchmarkResult runInChildJvm(JobBenchmarkSettings settings, String backend)
            throws IOException, InterruptedException {
        if (!JobBenchmarkSettings.isAvailable(backend)) {
            System.out.println("[" + backend + "] not available on this build");
            return JobBenchmarkResult.failed(backend, "not available on this build");
        }
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JobBenchmarkRun.class.getName());
        command.addAll(settings.childArguments(backend));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();

        AtomicReference<JobMeasurement> measurement = new AtomicReference<>();
        AtomicBoolean outOfMemory = new AtomicBoolean();
        Thread output =
                new Thread(
                        () -> relayOutput(child, backend, measurement, outOfMemory),
                        "job-benchmark-" + backend);
        output.start();
        boolean exited =
                child.waitFor(
                        settings.maxDuration.plus(EXIT_GRACE).toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        output.join();
        if (!exited) {
            return JobBenchmarkResult.failed(backend, "hung: killed after its time limit");
        }
        if (outOfMemory.get()) {
            return JobBenchmarkResult.failed(backend, "OutOfMemoryError");
        }
        if (child.exitValue() != 0 || measurement.get() == null) {
            return JobBenchmarkResult.failed(backend, "failed, exit code " + child.exitValue());
        }
        return JobBenchmarkResult.measured(backend, measurement.get());
    }

    /** Echoes the child's output with the backend as prefix and picks out its measurement. */
    private static void relayOutput(
            Process child,
            String backend,
            AtomicReference<JobMeasurement> measurement,
            AtomicBoolean outOfMemory) {
        try (BufferedReader lines =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(JobMeasurement.LINE_PREFIX)) {
                    measurement.set(JobMeasurement.parse(line));
                    continue;
                }
                if (line.contains("OutOfMemoryError")) {
                    outOfMemory.set(true);
                }
                System.out.println("[" + backend + "] " + line);
            }
        } catch (IOException e) {
            System.out.println("[" + backend + "] output lost: " + e.getMessage());
        }
    }
}
