package dev.spillway.examples.bench;

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
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One backend's run of a benchmark in a fresh child JVM, as the job and checkpoint benchmarks
 * fork them. Forking keeps the runs independent: one backend's heap, native memory and JIT state
 * cannot colour the next one's, and peak RSS is that of a process that ran one backend only.
 *
 * <p>The child prints progress, which is echoed with the backend as prefix, and one measurement
 * line (recognised by its prefix), which is parsed instead. A child that does not exit within its
 * time limit plus {@link #EXIT_GRACE} is killed; one that exits without a measurement is reported
 * with the innermost exception class of the last stack trace it printed.
 *
 * @param <M> the benchmark's measurement
 */
final class ChildJvmRun<M> {

    /** Time for a child to start, stop the job at its time limit and exit. */
    static final Duration EXIT_GRACE = Duration.ofMinutes(2);

    /**
     * The exception class of a stack trace's head or "Caused by:" line, e.g. {@code
     * OutOfMemoryError} in "Exception in thread "main" java.lang.OutOfMemoryError: Java heap".
     */
    private static final Pattern EXCEPTION_LINE =
            Pattern.compile(
                    "(?:^Caused by: |^Exception in thread \"[^\"]*\" )(?:[\\w$]+\\.)*([\\w$]+(?:Exception|Error))\\b");

    /** What came of a child: a measurement, or why there is none. */
    record Outcome<M>(M measurement, String failure) {}

    private final String backend;
    private final String measurementPrefix;
    private final Function<String, M> parse;
    private final AtomicReference<M> measurement = new AtomicReference<>();
    private final AtomicReference<String> rootCause = new AtomicReference<>();

    private ChildJvmRun(String backend, String measurementPrefix, Function<String, M> parse) {
        this.backend = backend;
        this.measurementPrefix = measurementPrefix;
        this.parse = parse;
    }

    /**
     * Runs {@code mainClass} with the benchmark's class path in a child JVM and waits for it.
     *
     * @param measurementPrefix how the child's measurement line starts
     * @param parse reads that line
     * @param timeLimit the child's own time limit, which it is given {@link #EXIT_GRACE} beyond
     */
    static <M> Outcome<M> run(
            String backend,
            Class<?> mainClass,
            List<String> jvmOptions,
            List<String> arguments,
            String measurementPrefix,
            Function<String, M> parse,
            Duration timeLimit)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(arguments);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvmRun<>(backend, measurementPrefix, parse).await(child, timeLimit);
    }

    /** The simple name of the exception a stack trace's head or "Caused by:" line names. */
    static Optional<String> exceptionClass(String line) {
        Matcher matcher = EXCEPTION_LINE.matcher(line);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private Outcome<M> await(Process child, Duration timeLimit) throws InterruptedException {
        Thread output = new Thread(() -> relayOutput(child), "benchmark-child-" + backend);
        output.start();
        boolean exited =
                child.waitFor(timeLimit.plus(EXIT_GRACE).toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        output.join();
        if (!exited) {
            return new Outcome<>(null, "hung: killed after its time limit");
        }
        if (child.exitValue() != 0 || measurement.get() == null) {
            String cause = rootCause.get() != null ? rootCause.get() : "no exception printed";
            return new Outcome<>(
                    null, "failed: " + cause + " (exit code " + child.exitValue() + ")");
        }
        return new Outcome<>(measurement.get(), null);
    }

    /**
     * Echoes the child's output with the backend as prefix, picks out its measurement, and keeps
     * the innermost exception class of the last stack trace (the "Caused by:" nearest the root).
     */
    private void relayOutput(Process child) {
        try (BufferedReader lines =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(measurementPrefix)) {
                    measurement.set(parse.apply(line));
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
