package dev.spillway.backend.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Turns one run of the state benchmarks into the Markdown tables of docs/benchmarks.md (printed
 * to stdout) and the SVG chart of throughput against state size.
 *
 * <pre>
 * java -cp backend/target/backend-benchmarks.jar \
 *     dev.spillway.backend.benchmarks.report.StateBenchmarkReport \
 *     results.json outcomes.tsv docs/img/state-benchmarks.svg [jmh-console.log]
 * </pre>
 *
 * The outcomes file is the one the run wrote through {@code -Dspillway.bench.outcomes}; pass
 * {@code -} if the run had none. The optional console log (JMH's standard output) names the
 * exception of forks that failed during measurement.
 */
public final class StateBenchmarkReport {

    private StateBenchmarkReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            System.err.println(
                    "Usage: StateBenchmarkReport <jmh-results.json> <outcomes.tsv | -> <chart.svg>"
                            + " [jmh-console.log]");
            System.exit(2);
        }
        Optional<Path> outcomes =
                "-".equals(args[1]) ? Optional.empty() : Optional.of(Paths.get(args[1]));
        if (outcomes.isPresent() && !Files.exists(outcomes.get())) {
            // No backend failed to produce a number: the run never created the file.
            outcomes = Optional.empty();
        }
        Optional<Path> consoleLog =
                args.length == 4 ? Optional.of(Paths.get(args[3])) : Optional.empty();
        StateBenchmarkResults results =
                StateBenchmarkResults.load(Paths.get(args[0]), outcomes, consoleLog);
        Path chart = Paths.get(args[2]);
        if (chart.getParent() != null) {
            Files.createDirectories(chart.getParent());
        }
        Files.write(chart, ThroughputChart.render(results).getBytes(StandardCharsets.UTF_8));
        System.out.print(MarkdownReport.render(results));
    }
}
