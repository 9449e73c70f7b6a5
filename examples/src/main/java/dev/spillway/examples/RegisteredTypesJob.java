package dev.spillway.examples;

import dev.spillway.examples.kryo.Address;
import dev.spillway.examples.kryo.CustomerProfile;
import dev.spillway.examples.kryo.ProfileRegistrations;
import dev.spillway.examples.kryo.Purchase;
import dev.spillway.serializers.KryoRegistrations;
import dev.spillway.serializers.RegisteredKryoTypeInfo;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.client.program.MiniClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * User types in Spillway state through Kryo-registered serializers with stable ids, across a
 * change of the registration set. Three releases of one job run on one embedded MiniCluster:
 *
 * <ol>
 *   <li>release 1 keeps a {@link CustomerProfile} (with an {@link Address} and a list of {@link
 *       Purchase}s) per customer, and is stopped with a canonical savepoint part-way through;
 *   <li>a broken release that no longer registers {@code Address} tries to restore it: the
 *       restore is refused, with a message naming the class and the fix, and no state is misread;
 *   <li>release 2 renumbered two classes; it restores the savepoint through a reconfigured
 *       serializer that reads old records with their old ids, finishes the input, and every
 *       customer is checked against an independent computation.
 * </ol>
 *
 * <pre>Flags: --customers N (default 50000) --events N (default 2000000) --parallelism N (2)
 *        --backend B (default spillway)</pre>
 */
public final class RegisteredTypesJob {

    private RegisteredTypesJob() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        AccountSpendJob.Settings s = new AccountSpendJob.Settings();
        s.accounts = params.getInt("customers", 50_000);
        s.events = params.getLong("events", 2_000_000);
        s.parallelism = params.getInt("parallelism", 2);
        s.managedMemory = params.get("managed-memory", "16m");
        s.backend = AccountSpendJob.Settings.backendType(params.get("backend", "spillway"));
        s.validate();
        System.exit(run(s) ? 0 : 1);
    }

    /** Runs the three releases; true when the broken one was refused and release 2 verified. */
    static boolean run(AccountSpendJob.Settings s) throws Exception {
        Path dir = Files.createTempDirectory("spillway-registered-types");
        Configuration conf = AccountSpendJob.clusterConfig(s, dir.resolve("checkpoints"));
        ExpectedProfiles expected = new ExpectedProfiles(s.events, s.accounts);
        Verification<ProfileSummary> verification =
                Verification.register(r -> r.customer, expected::of, expected.customers());
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(s.parallelism)
                                .build());
        try {
            cluster.start();
            try (MiniClusterClient client = new MiniClusterClient(conf, cluster)) {
                System.out.println("Release 1: registrations " + ProfileRegistrations.release1());
                JobID first =
                        client.submitJob(
                                        graph(conf, s, ProfileRegistrations.release1(), verification, null))
                                .get();
                waitForRecords(client, first, s.events / 3);
                String savepoint =
                        client.stopWithSavepoint(
                                        first,
                                        false,
                                        dir.resolve("savepoints").toUri().toString(),
                                        SavepointFormatType.CANONICAL)
                                .get();
                System.out.println("Canonical savepoint: " + savepoint);

                System.out.println(
                        "Broken release: registrations " + ProfileRegistrations.missingAddress());
                JobID broken =
                        client.submitJob(
                                        graph(conf, s, ProfileRegistrations.missingAddress(), verification, savepoint))
                                .get();
                JobResult refused = client.requestJobResult(broken).get();
                boolean wasRefused = !refused.isSuccess();
                System.out.println(
                        wasRefused
                                ? "  refused as it should be: "
                                        + rootMessage(refused)
                                : "  ERROR: the broken release restored state it cannot read");

                System.out.println("Release 2: registrations " + ProfileRegistrations.release2());
                JobID second =
                        client.submitJob(
                                        graph(conf, s, ProfileRegistrations.release2(), verification, savepoint))
                                .get();
                JobResult finished = client.requestJobResult(second).get();
                if (!finished.isSuccess()) {
                    System.out.println("  release 2 failed: " + rootMessage(finished));
                    return false;
                }
                verification.finish();
                System.out.println(verification.report());
                return wasRefused && verification.passed();
            }
        } finally {
            Verification.unregister(verification.id());
            cluster.close();
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static String rootMessage(JobResult result) {
        return result.getSerializedThrowable()
                .map(t -> t.deserializeError(RegisteredTypesJob.class.getClassLoader()))
                .map(ExceptionUtils::stringifyException)
                .map(RegisteredTypesJob::firstLines)
                .orElse("no cause reported");
    }

    private static String firstLines(String trace) {
        StringBuilder lines = new StringBuilder();
        for (String line : trace.split("\n")) {
            if (line.startsWith("Caused by") || lines.length() == 0) {
                lines.append("\n    ").append(line.trim());
            }
        }
        return lines.toString();
    }

    private static void waitForRecords(MiniClusterClient client, JobID job, long records)
            throws Exception {
        while (dev.spillway.examples.support.MetricsCapture.sum(".profiles.", ".numRecordsIn")
                < records) {
            if (client.getJobStatus(job).get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "Release 1 finished before the savepoint; raise --events");
            }
            Thread.sleep(100);
        }
    }

    private static StreamGraph graph(
            Configuration conf,
            AccountSpendJob.Settings s,
            KryoRegistrations registrations,
            Verification<ProfileSummary> verification,
            String savepoint) {
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Configuration(conf));
        env.setParallelism(s.parallelism);
        int customers = s.accounts;
        env.fromSequence(0, s.events - 1)
                .uid("purchases")
                .keyBy(i -> SpendEvents.account(i, customers))
                .process(new ProfileFunction(customers, registrations))
                .name("profiles")
                .uid("profiles")
                .sinkTo(new VerifyingSink<ProfileSummary>(verification.id()))
                .uid("verify");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobId(new JobID());
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint));
        }
        return graph;
    }

    /** Keeps one {@link CustomerProfile} per customer; reports it when the input ends. */
    private static final class ProfileFunction
            extends KeyedProcessFunction<Integer, Long, ProfileSummary> {
        private final int customers;
        private final KryoRegistrations registrations;
        private transient ValueState<CustomerProfile> profile;

        ProfileFunction(int customers, KryoRegistrations registrations) {
            this.customers = customers;
            this.registrations = registrations;
        }

        @Override
        public void open(OpenContext context) {
            profile =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "profile",
                                            new RegisteredKryoTypeInfo<>(
                                                    CustomerProfile.class, registrations)));
        }

        @Override
        public void processElement(Long i, Context ctx, Collector<ProfileSummary> out)
                throws Exception {
            CustomerProfile p = profile.value();
            if (p == null) {
                p = new CustomerProfile(ExpectedProfiles.addressOf(ctx.getCurrentKey()));
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            }
            p.add(new Purchase(i, SpendEvents.amountCents(i)));
            profile.update(p);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<ProfileSummary> out)
                throws Exception {
            out.collect(ProfileSummary.of(ctx.getCurrentKey(), profile.value()));
        }
    }

    /** What the job reports per customer; compared with {@link ExpectedProfiles}. */
    public static final class ProfileSummary {
        public int customer;
        public long purchases;
        public long totalCents;
        public String city;
        public long recentSequenceSum;

        public ProfileSummary() {}

        static ProfileSummary of(int customer, CustomerProfile p) {
            ProfileSummary s = new ProfileSummary();
            s.customer = customer;
            s.purchases = p.purchases();
            s.totalCents = p.totalCents();
            s.city = p.address().city();
            for (Purchase recent : p.recent()) {
                s.recentSequenceSum += recent.sequence();
            }
            return s;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof ProfileSummary)) {
                return false;
            }
            ProfileSummary t = (ProfileSummary) o;
            return customer == t.customer
                    && purchases == t.purchases
                    && totalCents == t.totalCents
                    && Objects.equals(city, t.city)
                    && recentSequenceSum == t.recentSequenceSum;
        }

        @Override
        public int hashCode() {
            return Objects.hash(customer, purchases, totalCents, city, recentSequenceSum);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "customer %d: purchases=%d total=%d city=%s recent=%d",
                    customer,
                    purchases,
                    totalCents,
                    city,
                    recentSequenceSum);
        }
    }

    /** The independent computation: one pass over the same input with plain arrays. */
    private static final class ExpectedProfiles {
        private final long[] purchases;
        private final long[] totalCents;
        private final long[][] latest;

        ExpectedProfiles(long events, int customers) {
            purchases = new long[customers];
            totalCents = new long[customers];
            latest = new long[customers][CustomerProfile.RECENT];
            for (long[] l : latest) {
                java.util.Arrays.fill(l, -1);
            }
            for (long i = 0; i < events; i++) {
                int c = SpendEvents.account(i, customers);
                purchases[c]++;
                totalCents[c] += SpendEvents.amountCents(i);
                // i grows, so the latest sequences are simply the last ones seen.
                long[] l = latest[c];
                System.arraycopy(l, 1, l, 0, l.length - 1);
                l[l.length - 1] = i;
            }
        }

        /** Customers with at least one purchase. */
        int customers() {
            int n = 0;
            for (long p : purchases) {
                n += p > 0 ? 1 : 0;
            }
            return n;
        }

        static Address addressOf(int customer) {
            return new Address("city-" + (customer % 97), 10_000 + customer % 89_999);
        }

        ProfileSummary of(int customer) {
            ProfileSummary s = new ProfileSummary();
            s.customer = customer;
            s.purchases = purchases[customer];
            s.totalCents = totalCents[customer];
            s.city = addressOf(customer).city();
            for (long sequence : latest[customer]) {
                s.recentSequenceSum += Math.max(0, sequence);
            }
            return s;
        }
    }
}
