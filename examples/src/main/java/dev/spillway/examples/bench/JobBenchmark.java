package dev.spillway.examples.bench;

import org.apache.flink.util.ParameterTool;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The job-level benchmark: runs the same keyed aggregation with checkpoints ({@link
 * JobBenchmarkRun}) once per backend, each in a fresh child JVM with the same memory
 * configuration, and prints a Markdown table of records/s, peak RSS, GC pauses and checkpoint
 * duration and size, with the ratios of Spillway to rocksdb and hashmap.
 *
 * <p>Each backend runs in its own JVM ({@link ChildJvmRun}, which says why); a child that runs out
 * of memory, or does not exit within {@link ChildJvmRun#EXIT_GRACE} after its time limit, is
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
        ChildJvmRun.Outcome<JobMeasurement> outcome =
                ChildJvmRun.run(
                        backend,
                        JobBenchmarkRun.class,
                        settings.jvmOptions(),
                        settings.childArguments(backend),
                        JobMeasurement.LINE_PREFIX,
                        JobMeasurement::parse,
                        settings.maxDuration);
        return outcome.failure() != null
                ? JobBenchmarkResult.failed(backend, outcome.failure())
                : JobBenchmarkResult.measured(backend, outcome.measurement());
    }
}
