package dev.spillway.backend.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds, in JMH's console output, the forks that failed during measurement and the exception each
 * one printed, so that the report can say "failed: SomeException" rather than leave a blank. JMH's
 * JSON has no entry at all for a failed fork.
 *
 * <p>The console output announces each fork with {@code # Benchmark: <name>} and {@code #
 * Parameters: (backend = X, distribution = Y, stateSize = Z)}; a failed iteration prints {@code
 * <failure>}, a blank line, then the exception's {@code toString()} and its stack trace.
 */
final class JmhConsoleFailures {

    /** Receives one failure: the benchmark, its parameters and the outcome to show. */
    interface Sink {
        void add(
                String benchmark,
                String backend,
                String distribution,
                String stateSize,
                Measurement measurement);
    }

    private static final String BENCHMARK = "# Benchmark: ";
    private static final Pattern PARAMETERS =
            Pattern.compile(
                    "^# Parameters: \\(backend = (\\w+), distribution = (\\w+), stateSize = (\\w+)\\)");
    private static final Pattern EXCEPTION =
            Pattern.compile("^(?:[\\w$]+\\.)*([\\w$]+(?:Exception|Error))(?::|$)");

    private JmhConsoleFailures() {}

    static void read(Path consoleLog, Sink sink) throws IOException {
        List<String> lines = Files.readAllLines(consoleLog, StandardCharsets.UTF_8);
        String benchmark = null;
        Matcher parameters = null;
        boolean failed = false;
        for (String line : lines) {
            if (line.startsWith(BENCHMARK)) {
                benchmark = line.substring(BENCHMARK.length()).trim();
                parameters = null;
                failed = false;
            } else if (PARAMETERS.matcher(line).find()) {
                parameters = PARAMETERS.matcher(line);
                parameters.find();
            } else if (line.contains("<failure>")) {
                failed = true;
            } else if (failed && benchmark != null && parameters != null) {
                Matcher exception = EXCEPTION.matcher(line.trim());
                if (exception.find()) {
                    sink.add(
                            benchmark,
                            parameters.group(1),
                            parameters.group(2),
                            parameters.group(3),
                            Measurement.outcome("failed: " + exception.group(1)));
                    failed = false;
                }
            }
        }
    }
}
