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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * The exception class of a stack trace's head or "Caused by:" line, e.g. {@code
     * OutOfMemoryError} in "Exception in thread "main" java.lang.OutOfMemoryError: Java heap".
     */
    private static final Pattern EXCEPTION_LINE =
            Pattern.compile(
                    "(?:^Caused by: |^Exception in thread \"[^\"]*\" )(?:[\\w$]+\\.)*([\\w$]+(?:Exception|Error))\\b");

    private JobBenchmark() {}

    /** The simple name of the exception a stack trace's head or "Caused by:" line names. */
    static Optional<String> exceptionClass(String line) {
        Matcher matcher = EXCEPTION_LINE.matcher(line);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

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
        AtomicReference<String> rootCause = new AtomicReference<>();
        Thread output =
                new Thread(
                        () -> relayOutput(child, backend, measurement, rootCause),
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
        if (child.exitValue() != 0 || measurement.get() == null) {
            String cause = rootCause.get() != null ? rootCause.get() : "no exception printed";
            return JobBenchmarkResult.failed(
                    backend, "failed: " + cause + " (exit code " + child.exitValue() + ")");
        }
        return JobBenchmarkResult.measured(backend, measurement.get());
    }

    /**
     * Echoes the child's output with the backend as prefix, picks out its measurement, and keeps
     * the innermost exception class of the last stack trace (the "Caused by:" nearest the root).
     */
    private static void relayOutput(
            Process child,
            String backend,
            AtomicReference<JobMeasurement> measurement,
            AtomicReference<String> rootCause) {
        try (BufferedReader lines =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(JobMeasurement.LINE_PREFIX)) {
                    measurement.set(JobMeasurement.parse(line));
                    continue;
                }
                exceptionClass(line).ifPresent(rootCause::set);
                System.out.println("[" + backend + "] " + line);
            }
        } catch (IOException e) {
            System.out.println("[" + backend + "] output lost: " + e.getMessage());
        }
    }
}
