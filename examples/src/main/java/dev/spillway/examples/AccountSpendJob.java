package dev.spillway.examples;

import dev.spillway.examples.support.MetricsCapture;
import dev.spillway.examples.support.ProgressPrinter;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The main example: per-account payment totals and per-merchant spend, with state several times
 * larger than the managed memory of each slot, on an embedded MiniCluster with checkpoints.
 *
 * <p>It prints a progress line every second and, at the end, checks every account's result
 * against {@link ExpectedTotals}, a plain-Java recomputation of the same input. Exit code 0 means
 * every account matched.
 *
 * <pre>
 * Flags (all optional):
 *   --accounts N          distinct keys                         (default 50000)
 *   --merchants N         map entries per key, at most 64        (default 32)
 *   --events N            input records                          (default 1500000)
 *   --parallelism N       subtasks = slots                       (default 2)
 *   --managed-memory S    managed memory of the whole TaskManager (default 5m)
 *   --checkpoint-interval S                                      (default 3s)
 *   --backend B           spillway | hashmap | rocksdb | factory class (default spillway)
 * </pre>
 */
public final class AccountSpendJob {

    static final String SPILLWAY_FACTORY = "dev.spillway.backend.SpillwayStateBackendFactory";

    private AccountSpendJob() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        Settings settings = Settings.from(params);
        boolean ok = run(settings);
        System.exit(ok ? 0 : 1);
    }

    /** Runs the job and verifies its result; returns whether every account matched. */
    static boolean run(Settings s) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "Spillway example: %,d payments over %,d accounts x %d merchants, parallelism %d,"
                        + " managed memory %s, backend %s%n",
                s.events,
                s.accounts,
                s.merchants,
                s.parallelism,
                s.managedMemory,
                s.backend);
        ExpectedTotals expected = ExpectedTotals.compute(s.events, s.accounts, s.merchants);
        Path checkpoints = Files.createTempDirectory("spillway-example-checkpoints");
        try {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(
                            s.parallelism, clusterConfig(s, checkpoints));
            Verification<AccountSummary> verification = Verification.forAccounts(expected);
            AccountSpendPipeline.attach(env, s, verification.id());

            long start = System.nanoTime();
            JobClient job = env.executeAsync("spillway-account-spend");
            try (ProgressPrinter progress = ProgressPrinter.start(System.out, AccountSpendPipeline.OPERATOR)) {
                job.getJobExecutionResult().get();
                double seconds = (System.nanoTime() - start) / 1e9;
                verification.finish();
                printSummary(s, verification, seconds, progress);
                return verification.passed();
            } finally {
                Verification.unregister(verification.id());
            }
        } finally {
            FileUtils.deleteDirectory(checkpoints.toFile());
        }
    }

    static Configuration clusterConfig(Settings s, Path checkpoints) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, s.backend);
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(s.managedMemory));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, s.checkpointInterval);
        // Checkpoints protect the input phase; once the bounded input ends there is nothing left
        // to protect. By default Flink keeps checkpointing after the sources finish and holds every
        // finished task until one more checkpoint completes, so the periodic trigger races the
        // tasks as they leave: a checkpoint sent to a task that just left the TaskManager ("unknown
        // task"), or still pending when the job finishes ("Checkpoint Coordinator is suspending"),
        // fails with a WARN stack trace, and the end of the job waits for a checkpoint. This job
        // has no transactional sink that needs a final checkpoint, so it turns that off.
        conf.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, false);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        // A failure should end the example with its cause, not restart it forever.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        MetricsCapture.configure(conf);
        return conf;
    }

    private static void printSummary(
            Settings s, Verification<?> v, double seconds, ProgressPrinter progress) {
        double checkpointBytes = progress.largestCheckpointBytes();
        double managedBytes = MemorySize.parse(s.managedMemory).getBytes();
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Processed %,d payments in %.1f s (%,.0f rec/s on average, peak %,.0f rec/s).%n",
                s.events,
                seconds,
                s.events / seconds,
                progress.peakRecordsPerSecond());
        if (checkpointBytes > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "Largest checkpoint: %s = %.1fx the TaskManager's managed memory (%s).%n",
                    ProgressPrinter.formatBytes(checkpointBytes),
                    checkpointBytes / managedBytes,
                    s.managedMemory);
        }
        String runs = progress.runsAndExecutionSummary();
        if (runs != null) {
            System.out.println(runs);
        }
        String reads = progress.readPathSummary();
        if (reads != null) {
            System.out.println(reads);
        }
        System.out.println(v.report());
    }

    /** The job's size and backend, from the command line. */
    static final class Settings {
        // About a minute on two cores, with state over five times the managed memory.
        int accounts = 50_000;
        int merchants = 32;
        long events = 1_500_000;
        int parallelism = 2;
        String managedMemory = "5m";
        Duration checkpointInterval = Duration.ofSeconds(3);
        String backend = SPILLWAY_FACTORY;

        static Settings from(ParameterTool params) {
            Settings s = new Settings();
            s.accounts = params.getInt("accounts", s.accounts);
            s.merchants = params.getInt("merchants", s.merchants);
            s.events = params.getLong("events", s.events);
            s.parallelism = params.getInt("parallelism", s.parallelism);
            s.managedMemory = params.get("managed-memory", s.managedMemory);
            s.checkpointInterval =
                    Duration.ofMillis(
                            org.apache.flink.util.TimeUtils.parseDuration(
                                            params.get("checkpoint-interval", "3s"))
                                    .toMillis());
            s.backend = backendType(params.get("backend", "spillway"));
            s.validate();
            return s;
        }

        /** Maps the short name "spillway" to the factory class; Flink knows the others. */
        static String backendType(String name) {
            return "spillway".equals(name) ? SPILLWAY_FACTORY : name;
        }

        void validate() {
            if (merchants < 1 || merchants > SpendEvents.MAX_MERCHANTS) {
                throw new IllegalArgumentException(
                        "--merchants must be between 1 and " + SpendEvents.MAX_MERCHANTS);
            }
            if (accounts < 1 || events < 1 || parallelism < 1) {
                throw new IllegalArgumentException(
                        "--accounts, --events and --parallelism must be positive");
            }
        }
    }
}
