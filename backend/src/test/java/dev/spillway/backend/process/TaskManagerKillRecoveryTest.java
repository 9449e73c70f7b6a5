package dev.spillway.backend.process;

import dev.spillway.backend.SpillwayStateBackendFactory;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.FileUtils;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Spillway in a real standalone cluster: a JobManager JVM and two TaskManager JVMs with two slots
 * each on loopback, a keyed job of parallelism 2 whose state is several times its slots' managed
 * memory (so it lives mostly in spilled runs), checkpoints every few hundred milliseconds, and one
 * TaskManager killed with SIGKILL after a checkpoint of that state completed. The job restarts from
 * the checkpoint in the survivor's two slots and must report for every account exactly the count
 * and sum of a run that saw every record once.
 *
 * <p>Runs once with full checkpoints and once with {@code execution.checkpointing.incremental} and
 * {@code execution.state-recovery.from-local}. In the second, the keyed subtasks run one on each
 * TaskManager (slots are spread out), so after the kill the survivor's subtask can restore from its
 * local copies and the killed one's subtask only from the checkpoint's runs, both through
 * Spillway's restore by adopting runs.
 *
 * <p>The processes' logs are in {@code target/process-tests/<mode>-<time>/}; the directory of a
 * passed run keeps only the logs.
 */
class TaskManagerKillRecoveryTest {

    private static final String TALLY = "tally";
    private static final String EVICTED_BYTES = ".spillway.store.evictedBytes";
    private static final long ACCOUNTS = 30_000;
    private static final long RECORDS = 3 * ACCOUNTS;
    private static final double RECORDS_PER_SECOND = 6_000;
    private static final int PARALLELISM = 2;
    private static final int SLOTS_PER_TASK_MANAGER = 2;

    /** Each slot, so each keyed subtask, gets half of it: 4 MiB. */
    private static final MemorySize MANAGED_MEMORY = MemorySize.parse("8m");

    /**
     * The TaskManager is killed only after a checkpoint of at least this much state completed: the
     * managed memory of both TaskManagers together, twice what the job's two slots get, so most
     * state is on disk.
     */
    private static final long STATE_BEFORE_KILL = 2 * MANAGED_MEMORY.getBytes();

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration TEST_TIMEOUT = Duration.ofMinutes(4);

    private static final AtomicLong RUNS = new AtomicLong();

    enum Mode {
        FULL(false, false),
        INCREMENTAL_AND_LOCAL_RECOVERY(true, true);

        final boolean incremental;
        final boolean localRecovery;

        Mode(boolean incremental, boolean localRecovery) {
            this.incremental = incremental;
            this.localRecovery = localRecovery;
        }
    }

    // Set in the thread of assertTimeoutPreemptively, closed in the test thread.
    private volatile ProcessCluster cluster;

    @AfterEach
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void killedTaskManagerRecoversWithExactlyOnceState(Mode mode) throws Exception {
        Path dir = runDirectory(mode);
        assertTimeoutPreemptively(
                TEST_TIMEOUT,
                () -> killAndRecover(mode, dir),
                () -> "The process test did not end in time; logs in " + dir);
        // Passed: the logs stay, the checkpoints and spilled runs go (once no process writes them).
        stopCluster();
        FileUtils.deleteDirectory(dir.resolve("checkpoints").toFile());
        FileUtils.deleteDirectory(dir.resolve("tmp").toFile());
    }

    private void killAndRecover(Mode mode, Path dir) throws Exception {
        cluster = ProcessCluster.start(dir, clusterConfig(mode));
        cluster.startTaskManager("taskmanager-1");
        cluster.startTaskManager("taskmanager-2");
        cluster.awaitTaskManagers(2, STARTUP_TIMEOUT);

        StreamExecutionEnvironment env = cluster.environment(jobConfig(mode, dir));
        CloseableIterator<String> results =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        i ->
                                                Tuple2.of(
                                                        Payments.account(i, ACCOUNTS),
                                                        Payments.amount(i)),
                                        RECORDS,
                                        RateLimiterStrategy.perSecond(RECORDS_PER_SECOND),
                                        Types.TUPLE(Types.LONG, Types.LONG)),
                                WatermarkStrategy.noWatermarks(),
                                "payments")
                        .keyBy(payment -> payment.f0, Types.LONG)
                        .process(new TallyFunction())
                        .returns(Types.STRING)
                        .name(TALLY)
                        .collectAsync();
        JobClient job = env.executeAsync("spillway-taskmanager-kill-" + mode);

        long checkpointBeforeKill = awaitCheckpointOfSpilledState(job);
        awaitEvictionToDisk(job);
        // One subtask runs on each TaskManager (slots are spread out); should both run on one,
        // that one is killed and the other's two slots take over, and the test still holds.
        List<String> busy = cluster.taskManagersRunning(job.getJobID(), TALLY);
        assertThat(busy).as("TaskManagers running the keyed subtasks").hasSize(PARALLELISM);
        ChildJvm victim = cluster.process(busy.get(0));
        assertThat(job.getJobStatus().get())
                .as("job status when killing %s; it must still have input left", victim)
                .isEqualTo(JobStatus.RUNNING);
        victim.kill();

        Map<Long, String> reported = new HashMap<>();
        long reports = 0;
        try (results) {
            while (results.hasNext()) {
                String report = results.next();
                reported.put(accountOf(report), report);
                reports++;
            }
        }
        job.getJobExecutionResult().get(1, TimeUnit.MINUTES);

        assertThat(differences(Payments.expectedTallies(RECORDS, ACCOUNTS), reported))
                .as("accounts whose tally differs from a run that saw every record once")
                .isEmpty();
        assertThat(reports).as("reports (one per account, none twice)").isEqualTo(ACCOUNTS);
        CheckpointingStatistics.RestoredCheckpointStatistics restored =
                cluster.checkpoints(job.getJobID())
                        .getLatestCheckpoints()
                        .getRestoredCheckpointStatistics();
        assertThat(restored)
                .as("the checkpoint the job restored from after %s was killed", victim.name())
                .isNotNull();
        assertThat(restored.getId()).isGreaterThanOrEqualTo(checkpointBeforeKill);
    }

    /**
     * Waits for a completed checkpoint of at least {@link #STATE_BEFORE_KILL} bytes of state and
     * returns its id.
     */
    private long awaitCheckpointOfSpilledState(JobClient job) throws Exception {
        long[] id = {-1};
        Deadline.within(CHECKPOINT_TIMEOUT)
                .await(
                        "a completed checkpoint of more than "
                                + STATE_BEFORE_KILL
                                + " bytes ("
                                + cluster.describe()
                                + ")",
                        () -> {
                            if (job.getJobStatus().get().isGloballyTerminalState()) {
                                throw new AssertionError(
                                        "The job ended before the kill: "
                                                + job.getJobStatus().get());
                            }
                            CheckpointStatistics latest =
                                    cluster.checkpoints(job.getJobID())
                                            .getLatestCheckpoints()
                                            .getCompletedCheckpointStatistics();
                            if (latest == null || latest.getStateSize() < STATE_BEFORE_KILL) {
                                return false;
                            }
                            id[0] = latest.getId();
                            return true;
                        });
        return id[0];
    }

    /** The first few accounts whose report is wrong or missing, and how many there are. */
    private static List<String> differences(Map<Long, String> expected, Map<Long, String> actual) {
        List<String> wrong = new ArrayList<>();
        Set<Long> accounts = new TreeSet<>(expected.keySet());
        accounts.addAll(actual.keySet());
        long count = 0;
        for (long account : accounts) {
            String want = expected.get(account);
            String got = actual.get(account);
            if (!Objects.equals(want, got)) {
                count++;
                if (wrong.size() < 10) {
                    wrong.add("expected " + want + ", got " + got);
                }
            }
        }
        if (count > wrong.size()) {
            wrong.add("... " + count + " accounts in all");
        }
        return wrong;
    }

    /**
     * Waits until Spillway's own gauges say that the keyed subtasks evicted more than a slot's
     * managed memory to disk: the state the TaskManager takes down with it is in runs, not only in
     * memory.
     */
    private void awaitEvictionToDisk(JobClient job) throws Exception {
        long slotBudget = MANAGED_MEMORY.getBytes() / SLOTS_PER_TASK_MANAGER;
        Deadline.within(CHECKPOINT_TIMEOUT)
                .await(
                        "spillway.store.evictedBytes above " + slotBudget,
                        () ->
                                cluster.subtaskMetricSum(job.getJobID(), TALLY, EVICTED_BYTES)
                                        > slotBudget);
    }

    private static long accountOf(String report) {
        return Long.parseLong(report.substring(0, report.indexOf(' ')));
    }

    /**
     * Options every process of the cluster gets. Local recovery is a TaskManager option (its local
     * state stores are set up before any job), so each mode has a cluster of its own.
     */
    private static Map<String, String> clusterConfig(Mode mode) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put(
                StateBackendOptions.STATE_BACKEND.key(),
                SpillwayStateBackendFactory.class.getName());
        config.put(StateRecoveryOptions.LOCAL_RECOVERY.key(), Boolean.toString(mode.localRecovery));
        config.put(
                CheckpointingOptions.INCREMENTAL_CHECKPOINTS.key(),
                Boolean.toString(mode.incremental));
        config.put("taskmanager.numberOfTaskSlots", Integer.toString(SLOTS_PER_TASK_MANAGER));
        // One keyed subtask per TaskManager: the survivor keeps one for local recovery.
        config.put("taskmanager.load-balance.mode", "SLOTS");
        config.put("taskmanager.memory.managed.size", MANAGED_MEMORY.toString());
        config.put("taskmanager.memory.network.min", "32m");
        config.put("taskmanager.memory.network.max", "32m");
        // A killed TaskManager is declared dead at the first failed RPC or after 5 s of silence,
        // not after the default 50 s.
        config.put("heartbeat.interval", "500");
        config.put("heartbeat.timeout", "5000");
        config.put("heartbeat.rpc-failure-threshold", "1");
        // The REST API caches job and checkpoint statistics, and fetches metrics, this often
        // (defaults 3 s and 10 s); the test polls them to decide when to kill.
        config.put("web.refresh-interval", "500");
        config.put("metrics.fetcher.update-interval", "500");
        return config;
    }

    private static Configuration jobConfig(Mode mode, Path dir) {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        config.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        config.set(CoreOptions.DEFAULT_PARALLELISM, PARALLELISM);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));
        config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        config.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                dir.resolve("checkpoints").toUri().toString());
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, mode.incremental);
        config.set(StateRecoveryOptions.LOCAL_RECOVERY, mode.localRecovery);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        config.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return config;
    }

    private static Path runDirectory(Mode mode) {
        String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        return Paths.get(System.getProperty("basedir", "."))
                .toAbsolutePath()
                .resolve("target")
                .resolve("process-tests")
                .resolve(mode.name().toLowerCase() + "-" + time + "-" + RUNS.incrementAndGet());
    }
}
