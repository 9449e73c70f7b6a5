package dev.spillway.examples.bench;

import dev.spillway.examples.support.MetricsCapture;
import dev.spillway.examples.support.ProgressPrinter;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.ParameterTool;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of the benchmark job on one backend, in a JVM of its own (started by {@link
 * JobBenchmark}): a keyed aggregation ({@link AccountStatsFunction}) over a bounded sequence of
 * payments on an embedded MiniCluster with one slot and periodic checkpoints. It prints progress
 * once a second and, at the end, one {@link JobMeasurement} line. A run still going at its time
 * limit is cancelled and measured up to there.
 *
 * <p>The job does not restart on failure, so an OutOfMemoryError ends the run instead of looping.
 */
public final class JobBenchmarkRun {

    static final String OPERATOR = "account-stats";

    /** Knuth's multiplicative hash constant: consecutive records hit keys far apart. */
    private static final long SCATTER = 0x9E3779B97F4A7C15L;

    private JobBenchmarkRun() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        JobBenchmarkSettings settings = JobBenchmarkSettings.from(params);
        String backend = params.getRequired("backend");
        // The checkpoint the coordinator triggers while the bounded job ends is declined; expected.
        Configurator.setLevel(
                "org.apache.flink.runtime.checkpoint.CheckpointFailureManager", Level.ERROR);
        JobMeasurement measurement = run(settings, backend);
        System.out.println(measurement.toLine());
        // The MiniCluster leaves non-daemon threads behind; the measurement is out.
        System.exit(0);
    }

    static JobMeasurement run(JobBenchmarkSettings s, String backend) throws Exception {
        Path checkpoints = Files.createTempDirectory("spillway-job-benchmark");
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try (GcPauseRecorder gc = GcPauseRecorder.start()) {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(
                            1, clusterConfig(s, backend, checkpoints));
            env.fromSequence(0, s.events - 1)
                    .name("payments")
                    .map(new ToPayment(s.keys))
                    .returns(Types.TUPLE(Types.LONG, Types.LONG))
                    .name("to-payment")
                    .keyBy(payment -> payment.f0, Types.LONG)
                    .process(new AccountStatsFunction())
                    .returns(Types.VOID)
                    .name(OPERATOR)
                    .sinkTo(new DiscardingSink<>())
                    .name("discard");

            CheckpointStats checkpointStats = new CheckpointStats();
            JobClient job = env.executeAsync("spillway-job-benchmark-" + backend);
            try (ProgressPrinter progress = ProgressPrinter.start(System.out, OPERATOR)) {
                sampler.scheduleAtFixedRate(
                        () -> checkpointStats.sample(progress.recordsIn()),
                        0,
                        100,
                        TimeUnit.MILLISECONDS);
                long records = awaitOrStop(job, s.events, s.maxDuration, progress);
                long end = System.nanoTime();
                sampler.shutdownNow();
                checkpointStats.sample(records);
                return new JobMeasurement(
                        s.events,
                        records,
                        checkpointStats.secondsSinceFirstRecord(end),
                        PeakResidentMemory.bytes().orElse(-1),
                        gc.pauses(),
                        gc.totalMillis(),
                        gc.maxMillis(),
                        checkpointStats.completed(),
                        checkpointStats.maxDurationMillis(),
                        checkpointStats.maxFullSizeBytes());
            }
        } finally {
            sampler.shutdownNow();
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
    }

    /** Waits for the job to finish, or cancels it at the time limit; returns records processed. */
    private static long awaitOrStop(
            JobClient job, long plannedRecords, Duration limit, ProgressPrinter progress)
            throws Exception {
        try {
            job.getJobExecutionResult().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            // Finished: the bounded input went through (the task's metrics are gone by now).
            return plannedRecords;
        } catch (TimeoutException e) {
            long records = (long) progress.recordsIn();
            job.cancel().get();
            return records;
        }
    }

    private static Configuration clusterConfig(
            JobBenchmarkSettings s, String backend, Path checkpoints) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, JobBenchmarkSettings.stateBackendType(backend));
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, s.managedMemory);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, s.checkpointInterval);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        MetricsCapture.configure(conf);
        return conf;
    }

    /** Turns a sequence number into a payment {@code (account, amount in cents)}. */
    private static final class ToPayment implements MapFunction<Long, Tuple2<Long, Long>> {
        private final long keys;

        ToPayment(long keys) {
            this.keys = keys;
        }

        @Override
        public Tuple2<Long, Long> map(Long i) {
            long account = Long.remainderUnsigned(i * SCATTER, keys);
            return Tuple2.of(account, 100 + Long.remainderUnsigned(i * 31, 10_000));
        }
    }

    /**
     * Watches the job's checkpoint metrics (which only report the last checkpoint) often enough to
     * keep the largest and longest, and notes when the first record arrived.
     */
    private static final class CheckpointStats {
        private long firstRecordNanos;
        private long completed;
        private long maxDurationMillis;
        private long maxFullSizeBytes;

        synchronized void sample(double recordsIn) {
            if (firstRecordNanos == 0 && recordsIn > 0) {
                firstRecordNanos = System.nanoTime();
            }
            completed = Math.max(completed, metric(".numberOfCompletedCheckpoints"));
            maxDurationMillis = Math.max(maxDurationMillis, metric(".lastCheckpointDuration"));
            maxFullSizeBytes = Math.max(maxFullSizeBytes, metric(".lastCheckpointFullSize"));
        }

        private static long metric(String suffix) {
            return (long) MetricsCapture.max(suffix);
        }

        synchronized double secondsSinceFirstRecord(long endNanos) {
            return firstRecordNanos == 0 ? 0 : (endNanos - firstRecordNanos) / 1e9;
        }

        synchronized long completed() {
            return completed;
        }

        synchronized long maxDurationMillis() {
            return maxDurationMillis;
        }

        synchronized long maxFullSizeBytes() {
            return maxFullSizeBytes;
        }
    }
}
