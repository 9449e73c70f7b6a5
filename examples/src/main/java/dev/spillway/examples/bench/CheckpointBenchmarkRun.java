package dev.spillway.examples.bench;

import dev.spillway.examples.bench.CheckpointBenchmarkSettings.Backend;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.ParameterTool;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One run of the checkpoint benchmark on one backend, in a JVM of its own (started by {@link
 * CheckpointBenchmark}), on an embedded MiniCluster with one TaskManager of three slots that share
 * its managed memory:
 *
 * <ol>
 *   <li>a job of parallelism 2 loads every key once (a bounded source), while a second source
 *       updates random keys at a fixed rate; checkpoints run throughout;
 *   <li>once loading is done, checkpoints are measured for a while (Flink's own checkpoint
 *       statistics: checkpointed size and end-to-end duration);
 *   <li>subtask 0 throws; restore time runs from the throw to its restored successor's first
 *       record;
 *   <li>after one more completed checkpoint the job is cancelled (its checkpoints are retained),
 *       and a job of parallelism 3 restores the last one; rescale time runs from its submission to
 *       the first record of every keyed subtask.
 * </ol>
 *
 * It prints one {@link CheckpointMeasurement} line at the end.
 */
public final class CheckpointBenchmarkRun {

    static final String LOAD = "load";
    static final String UPDATES = "updates";
    static final String KEYED = "values";

    /** Knuth's multiplicative hash constant: consecutive updates hit keys far apart. */
    private static final long SCATTER = 0x9E3779B97F4A7C15L;

    private static final int SLOTS = CheckpointBenchmarkSettings.RESCALED_PARALLELISM;

    private CheckpointBenchmarkRun() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        CheckpointBenchmarkSettings settings = CheckpointBenchmarkSettings.from(params);
        Backend backend = Backend.of(params.getRequired("backend"));
        // The injected failure and the cancelled job are expected; their stack traces are noise.
        Configurator.setLevel("org.apache.flink.runtime", Level.ERROR);
        // RocksDB warns once per state and subtask that the small budget is small; that is the
        // point of the comparison (docs/benchmarks.md says so), not news.
        Configurator.setLevel("org.apache.flink.state.rocksdb.RocksDBOperationUtils", Level.ERROR);
        if (settings.uploadLog) {
            Configurator.setLevel(
                    "dev.spillway.backend.state.incremental.IncrementalUpload", Level.DEBUG);
        }
        CheckpointMeasurement measurement = run(settings, backend, System.out);
        System.out.println(measurement.toLine());
        // The MiniCluster leaves non-daemon threads behind; the measurement is out.
        System.exit(0);
    }

    static CheckpointMeasurement run(
            CheckpointBenchmarkSettings s, Backend backend, PrintStream log) throws Exception {
        RecoveryProbe.reset();
        Path checkpoints = Files.createTempDirectory("spillway-checkpoint-benchmark");
        long deadline = System.nanoTime() + s.maxDuration.toNanos();
        try (MiniCluster cluster = new MiniCluster(clusterConfiguration(s))) {
            cluster.start();
            long start = System.nanoTime();
            JobID job =
                    submit(
                            cluster,
                            streamGraph(
                                    s,
                                    backend,
                                    checkpoints,
                                    CheckpointBenchmarkSettings.PARALLELISM,
                                    1,
                                    null));

            SharedFileLog uploads =
                    s.uploadLog ? new SharedFileLog(cluster, job, checkpoints, log) : null;
            awaitVertexFinished(cluster, job, LOAD, deadline, log);
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            long loadedAtMillis = System.currentTimeMillis();
            log.printf(Locale.ROOT, "loaded %,d keys in %.1f s%n", s.keys, loadSeconds);

            sleepWhileRunning(cluster, job, s.measure.toMillis());
            CheckpointStatsSnapshot stats = checkpointStats(cluster, job);
            List<CompletedCheckpointStats> measured = completedSince(stats, loadedAtMillis);
            if (measured.isEmpty()) {
                throw new IllegalStateException(
                        "No checkpoint completed in the " + s.measure + " after loading");
            }
            if (uploads != null) {
                uploads.close();
            }
            long failed = failedSince(stats, loadedAtMillis);
            CompletedCheckpointStats first = measured.get(0);
            CompletedCheckpointStats last = measured.get(measured.size() - 1);
            log.printf(
                    Locale.ROOT,
                    "measured %d checkpoints (%d to %d, triggered over %.1f s), %d failed%n",
                    measured.size(),
                    first.getCheckpointId(),
                    last.getCheckpointId(),
                    (last.getTriggerTimestamp() - first.getTriggerTimestamp()) / 1e3,
                    failed);

            long restoreMillis = injectFailureAndAwaitRestore(cluster, job, deadline);
            log.printf(Locale.ROOT, "restored in %,d ms%n", restoreMillis);

            String retained = cancelKeepingCheckpoint(cluster, job, deadline);
            long rescaleMillis =
                    rescale(
                            cluster,
                            streamGraph(s, backend, checkpoints, SLOTS, 2, retained),
                            deadline);
            log.printf(Locale.ROOT, "rescaled to %d in %,d ms%n", SLOTS, rescaleMillis);

            List<Long> sizes = new ArrayList<>();
            List<Long> durations = new ArrayList<>();
            for (CompletedCheckpointStats c : measured) {
                sizes.add(c.getCheckpointedSize());
                durations.add(c.getEndToEndDuration());
            }
            return new CheckpointMeasurement(
                    loadSeconds,
                    measured.get(measured.size() - 1).getStateSize(),
                    measured.size(),
                    failed,
                    median(sizes),
                    max(sizes),
                    sizes.stream().mapToLong(Long::longValue).sum(),
                    median(durations),
                    max(durations),
                    restoreMillis,
                    rescaleMillis);
        } finally {
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
    }

    /**
     * Makes subtask 0 throw and waits for the first record of its restored successor (any later
     * attempt). The restart has no delay, so the time is failover, redeployment and state restore.
     */
    private static long injectFailureAndAwaitRestore(MiniCluster cluster, JobID job, long deadline)
            throws Exception {
        RecoveryProbe.requestFailure();
        await("the injected failure", deadline, RecoveryProbe::failedAtNanos);
        long failedAt = RecoveryProbe.failedAtNanos();
        long restored =
                await(
                        "the restored subtask's first record",
                        deadline,
                        () -> {
                            failIfTerminal(cluster, job);
                            for (int attempt = 1; attempt < 10; attempt++) {
                                long first = RecoveryProbe.firstRecordNanos(1, 0, attempt);
                                if (first > failedAt) {
                                    return first;
                                }
                            }
                            return 0;
                        });
        return TimeUnit.NANOSECONDS.toMillis(restored - failedAt);
    }

    /**
     * Waits for a checkpoint after the restore, cancels the job and returns the path of its last
     * completed checkpoint, which the retention policy keeps.
     */
    private static String cancelKeepingCheckpoint(MiniCluster cluster, JobID job, long deadline)
            throws Exception {
        long before = latestCompletedId(checkpointStats(cluster, job));
        await(
                "a checkpoint after the restore",
                deadline,
                () -> {
                    failIfTerminal(cluster, job);
                    return latestCompletedId(checkpointStats(cluster, job)) > before ? 1 : 0;
                });
        cluster.cancelJob(job).get();
        cluster.requestJobResult(job).get();
        CompletedCheckpointStats last =
                cluster.getArchivedExecutionGraph(job)
                        .get()
                        .getCheckpointStatsSnapshot()
                        .getHistory()
                        .getLatestCompletedCheckpoint();
        return last.getExternalPath();
    }

    /** Submits the rescaled job and waits until every keyed subtask processed a record. */
    private static long rescale(MiniCluster cluster, StreamGraph graph, long deadline)
            throws Exception {
        long submitted = System.nanoTime();
        JobID job = submit(cluster, graph);
        long slowest =
                await(
                        "a record in every subtask of the rescaled job",
                        deadline,
                        () -> {
                            failIfTerminal(cluster, job);
                            long latest = 0;
                            for (int subtask = 0; subtask < SLOTS; subtask++) {
                                long first = RecoveryProbe.firstRecordNanos(2, subtask, 0);
                                if (first == 0) {
                                    return 0;
                                }
                                latest = Math.max(latest, first);
                            }
                            return latest;
                        });
        if (checkpointStats(cluster, job).getLatestRestoredCheckpoint() == null) {
            throw new IllegalStateException("The rescaled job did not restore a checkpoint");
        }
        cluster.cancelJob(job).get();
        return TimeUnit.NANOSECONDS.toMillis(slowest - submitted);
    }

    private static StreamGraph streamGraph(
            CheckpointBenchmarkSettings s,
            Backend backend,
            Path checkpoints,
            int parallelism,
            int generation,
            String restoreFrom) {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, backend.stateBackendType());
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, backend.incremental());
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, s.checkpointInterval);
        config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        config.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        config.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ZERO);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(parallelism);

        // Sources keep parallelism 1 across the rescale: only the keyed state is redistributed,
        // and the finished load source is not asked to change shape.
        DataStream<Long> load =
                env.fromSource(
                                new DataGeneratorSource<>(i -> i, s.keys, Types.LONG),
                                WatermarkStrategy.noWatermarks(),
                                LOAD)
                        .uid(LOAD)
                        .setParallelism(1);
        long keys = s.keys;
        DataStream<Long> updates =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        i -> Long.remainderUnsigned(i * SCATTER, keys),
                                        Long.MAX_VALUE,
                                        RateLimiterStrategy.perSecond(s.updateRate),
                                        Types.LONG),
                                WatermarkStrategy.noWatermarks(),
                                UPDATES)
                        .uid(UPDATES)
                        .setParallelism(1);
        load.union(updates)
                .keyBy(key -> key, Types.LONG)
                .process(new ValueOverwriteFunction(s.valueSize, generation))
                .returns(Types.VOID)
                .uid(KEYED)
                .name(KEYED)
                .sinkTo(new DiscardingSink<>())
                .uid("discard")
                .name("discard");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("checkpoint-benchmark-" + backend.name() + "-p" + parallelism);
        if (restoreFrom != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restoreFrom, false));
        }
        return graph;
    }

    private static MiniClusterConfiguration clusterConfiguration(CheckpointBenchmarkSettings s) {
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, s.managedMemory);
        // Every checkpoint of the run stays in the statistics, not only the last ten.
        config.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 100_000);
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.BIND_PORT, "0");
        return new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(SLOTS)
                .build();
    }

    private static JobID submit(MiniCluster cluster, StreamGraph graph) throws Exception {
        return cluster.submitJob(graph.getJobGraph()).get().getJobID();
    }

    private static void awaitVertexFinished(
            MiniCluster cluster, JobID job, String vertexName, long deadline, PrintStream log)
            throws Exception {
        long nextReport = System.nanoTime();
        while (true) {
            AccessExecutionGraph graph = cluster.getExecutionGraph(job).get();
            if (graph.getState().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "The job ended while loading: " + graph.getState() + failureOf(graph));
            }
            for (AccessExecutionJobVertex vertex : graph.getAllVertices().values()) {
                if (vertex.getName().contains(vertexName)
                        && vertex.getAggregateState() == ExecutionState.FINISHED) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Loading did not finish before the time limit");
            }
            if (System.nanoTime() >= nextReport) {
                CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
                CompletedCheckpointStats last =
                        stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
                log.printf(
                        Locale.ROOT,
                        "loading... %d checkpoints, last %.1f MiB%n",
                        stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints(),
                        last == null ? 0 : last.getStateSize() / (1024.0 * 1024.0));
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            Thread.sleep(100);
        }
    }

    private static void sleepWhileRunning(MiniCluster cluster, JobID job, long millis)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            failIfTerminal(cluster, job);
            Thread.sleep(
                    Math.min(
                            200,
                            Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        }
    }

    private static void failIfTerminal(MiniCluster cluster, JobID job) throws Exception {
        JobStatus status = cluster.getJobStatus(job).get();
        if (status.isGloballyTerminalState()) {
            throw new IllegalStateException(
                    "The job ended: "
                            + status
                            + failureOf(cluster.getArchivedExecutionGraph(job).get()));
        }
    }

    private static String failureOf(AccessExecutionGraph graph) {
        return graph.getFailureInfo() == null
                ? ""
                : " (" + graph.getFailureInfo().getExceptionAsString() + ")";
    }

    private static CheckpointStatsSnapshot checkpointStats(MiniCluster cluster, JobID job)
            throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
    }

    private static List<CompletedCheckpointStats> completedSince(
            CheckpointStatsSnapshot stats, long sinceMillis) {
        List<CompletedCheckpointStats> completed = new ArrayList<>();
        for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
            if (c.getStatus() == CheckpointStatsStatus.COMPLETED
                    && c.getTriggerTimestamp() >= sinceMillis
                    && !c.getProperties().isSavepoint()) {
                completed.add((CompletedCheckpointStats) c);
            }
        }
        // The history lists the newest first.
        completed.sort((a, b) -> Long.compare(a.getCheckpointId(), b.getCheckpointId()));
        return completed;
    }

    /**
     * Checkpoints that failed after loading. Those declined while the load source finishes ("task
     * is closing") are Flink's normal business, not the backend's, and come before.
     */
    private static long failedSince(CheckpointStatsSnapshot stats, long sinceMillis) {
        return stats.getHistory().getCheckpoints().stream()
                .filter(c -> c.getStatus() == CheckpointStatsStatus.FAILED)
                .filter(c -> c.getTriggerTimestamp() >= sinceMillis)
                .count();
    }

    private static long latestCompletedId(CheckpointStatsSnapshot stats) {
        CompletedCheckpointStats last = stats.getHistory().getLatestCompletedCheckpoint();
        return last == null ? -1 : last.getCheckpointId();
    }

    /** Polls until {@code value} is positive and returns it; fails at the deadline. */
    private static long await(String what, long deadline, CheckedLongSupplier value)
            throws Exception {
        while (true) {
            long v = value.get();
            if (v > 0) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @FunctionalInterface
    private interface CheckedLongSupplier {
        long get() throws Exception;
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
