package dev.spillway.examples.bench;

import org.apache.flink.util.ParameterTool;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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
        ChildJvmRun.Outcome<CheckpointMeasurement> outcome =
                ChildJvmRun.run(
                        backend,
                        CheckpointBenchmarkRun.class,
                        settings.jvmOptions(),
                        settings.childArguments(backend),
                        CheckpointMeasurement.LINE_PREFIX,
                        CheckpointMeasurement::parse,
                        settings.maxDuration);
        return outcome.failure() != null
                ? CheckpointBenchmarkResult.failed(backend, outcome.failure())
                : CheckpointBenchmarkResult.measured(backend, outcome.measurement());
    }
}
