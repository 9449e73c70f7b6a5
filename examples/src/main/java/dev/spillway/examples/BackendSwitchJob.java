package dev.spillway.examples;

import dev.spillway.examples.support.MetricsCapture;
import dev.spillway.examples.support.ProgressPrinter;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.MiniClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Moves a running job from one state backend to another through a canonical savepoint, the way a
 * team adopts Spillway: the job starts on {@code hashmap}, is stopped with a savepoint part-way
 * through its input, and resumes on Spillway from that savepoint. The resumed run must end with
 * exactly the result of one uninterrupted pass, checked against {@link ExpectedTotals}: every
 * value, every map entry and every pending timer crossed over.
 *
 * <pre>
 * Flags: --from B (default hashmap) --to B (default spillway) --stop-after F (fraction of the
 * input processed before the savepoint, default 0.4), plus the sizing flags of AccountSpendJob.
 * </pre>
 */
public final class BackendSwitchJob {

    private BackendSwitchJob() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        AccountSpendJob.Settings s = AccountSpendJob.Settings.from(params);
        if (!params.has("events")) {
            s.events = 4_000_000;
        }
        String from = AccountSpendJob.Settings.backendType(params.get("from", "hashmap"));
        String to = AccountSpendJob.Settings.backendType(params.get("to", "spillway"));
        double stopAfter = params.getDouble("stop-after", 0.4);
        System.exit(run(s, from, to, stopAfter) ? 0 : 1);
    }

    /** Runs both phases and returns whether the resumed job's result is exactly right. */
    static boolean run(AccountSpendJob.Settings s, String from, String to, double stopAfter)
            throws Exception {
        ExpectedTotals expected = ExpectedTotals.compute(s.events, s.accounts, s.merchants);
        Path dir = Files.createTempDirectory("spillway-backend-switch");
        Configuration clusterConf = AccountSpendJob.clusterConfig(s, dir.resolve("checkpoints"));
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(clusterConf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(s.parallelism)
                                .build());
        Verification<AccountSummary> verification = Verification.forAccounts(expected);
        try {
            cluster.start();
            try (MiniClusterClient client = new MiniClusterClient(clusterConf, cluster)) {
                System.out.printf(
                        Locale.ROOT,
                        "Phase 1: %,d payments on %s; savepoint after about %.0f%%%n",
                        s.events,
                        from,
                        stopAfter * 100);
                JobID first =
                        client.submitJob(graph(clusterConf, s, from, verification, null)).get();
                String savepoint = stopWhenProcessed(client, first, (long) (s.events * stopAfter), dir);
                System.out.println("Canonical savepoint written to " + savepoint);

                System.out.printf(Locale.ROOT, "Phase 2: resuming on %s from the savepoint%n", to);
                JobID second =
                        client.submitJob(graph(clusterConf, s, to, verification, savepoint)).get();
                try (ProgressPrinter progress =
                        ProgressPrinter.start(System.out, AccountSpendPipeline.OPERATOR)) {
                    client.requestJobResult(second).get().toJobExecutionResult(
                            BackendSwitchJob.class.getClassLoader());
                }
            }
            verification.finish();
            System.out.println(verification.report());
            return verification.passed();
        } finally {
            Verification.unregister(verification.id());
            cluster.close();
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static StreamGraph graph(
            Configuration clusterConf,
            AccountSpendJob.Settings s,
            String backend,
            Verification<?> v,
            String savepoint) {
        Configuration jobConf = new Configuration(clusterConf);
        jobConf.set(StateBackendOptions.STATE_BACKEND, backend);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
        env.setParallelism(s.parallelism);
        AccountSpendPipeline.attach(env, s, v.id());
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("account-spend on " + backend);
        graph.setJobId(new JobID());
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint));
        }
        return graph;
    }

    private static String stopWhenProcessed(
            MiniClusterClient client, JobID job, long records, Path dir) throws Exception {
        while (MetricsCapture.sum("." + AccountSpendPipeline.OPERATOR + ".", ".numRecordsIn")
                < records) {
            if (client.getJobStatus(job).get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "The first phase finished before the savepoint; raise --events");
            }
            Thread.sleep(100);
        }
        return client.stopWithSavepoint(
                        job,
                        false,
                        dir.resolve("savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get();
    }
}
