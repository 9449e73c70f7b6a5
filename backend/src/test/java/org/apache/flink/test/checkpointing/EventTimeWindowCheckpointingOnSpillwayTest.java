package org.apache.flink.test.checkpointing;

import dev.spillway.backend.SpillwayStateBackendFactory;
import dev.spillway.backend.state.incremental.IncrementalRestoreOperation;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ResourceManagerOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's {@link EventTimeWindowCheckpointingITCase} on Spillway: window jobs (tumbling, sliding,
 * pre-aggregated, with extra keyed value state, max parallelism 4 and 32768), each failing once
 * after a completed checkpoint, each checking every window's result exactly once.
 *
 * <p>The base runs once per value of its closed backend enum and writes {@code state.backend.type}
 * after the last hook a subclass gets; that hook ({@link #createClusterConfig()}) returns a {@link
 * PinnedConfiguration} that keeps the backend on Spillway, so each enum value keeps the rest of its
 * set-up. Two of them run, each with 1 MiB of managed memory per slot, so that the window contents
 * spill to runs while the jobs run (checked through the store's metrics):
 *
 * <ul>
 *   <li>{@code FILE}: full checkpoints to files;
 *   <li>{@code ROCKSDB_INCREMENTAL}: incremental checkpoints, every uploaded run a file reference
 *       (16-byte small-file threshold), and local recovery on the TaskManagers, as Flink's {@link
 *       LocalRecoveryITCase} runs these jobs; the restore after the injected failure must have
 *       linked runs from the local copy.
 * </ul>
 *
 * <p>The two pre-aggregating jobs, whose reducing state stays within the managed memory, run with
 * {@code ROCKSDB_INCREMENTAL} only. The other values are skipped: {@code MEM}, {@code ROCKSDB_FULL}
 * and {@code ROCKSDB_INCREMENTAL_ZK} would repeat these two on Spillway (with other checkpoint
 * storage or a ZooKeeper checkpoint store, which are Flink's, not the backend's), and the base's
 * own cluster per run costs 20-40 s on the two shared cores; {@code FORST_INCREMENTAL} configures
 * ForSt, whose classes are not on the classpath.
 */
@ExtendWith(EventTimeWindowCheckpointingOnSpillwayTest.SpillwaySetUps.class)
class EventTimeWindowCheckpointingOnSpillwayTest extends EventTimeWindowCheckpointingITCase {

    /** Half of it per slot: a fraction of the window contents of the non-aggregating jobs. */
    private static final MemorySize MANAGED_MEMORY_PER_TASK_MANAGER = MemorySize.ofMebiBytes(2);

    /**
     * The base delays the first slot allocation by 30 s; both TaskManagers of the MiniCluster have
     * registered long before 2 s.
     */
    private static final Duration REQUIREMENTS_CHECK_DELAY = Duration.ofSeconds(2);

    private static final Pattern RESTORED_FROM_LOCAL_COPIES =
            Pattern.compile("\\(([1-9]\\d*) from local recovery copies\\)");

    /** The window jobs whose state is the windows' contents, larger than the managed memory. */
    private static final Set<String> JOBS_HOLDING_WINDOW_CONTENTS =
            Set.of(
                    "testTumblingTimeWindow",
                    "testSlidingTimeWindow",
                    "testTumblingTimeWindowWithKVStateMinMaxParallelism",
                    "testTumblingTimeWindowWithKVStateMaxMaxParallelism");

    private final InMemoryReporter metrics = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    final LoggerAuditingExtension restores =
            new LoggerAuditingExtension(IncrementalRestoreOperation.class, Level.INFO);

    @Override
    protected Configuration createClusterConfig() throws IOException {
        PinnedConfiguration config = new PinnedConfiguration();
        config.addAll(super.createClusterConfig());
        config.pin(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        config.pin(TaskManagerOptions.MANAGED_MEMORY_SIZE, MANAGED_MEMORY_PER_TASK_MANAGER);
        config.set(ResourceManagerOptions.REQUIREMENTS_CHECK_DELAY, REQUIREMENTS_CHECK_DELAY);
        config.set(StateRecoveryOptions.LOCAL_RECOVERY, localRecovery());
        metrics.addToConfiguration(config);
        return config;
    }

    private static boolean runs(StateBackendEnum setUp) {
        return setUp == StateBackendEnum.FILE || setUp == StateBackendEnum.ROCKSDB_INCREMENTAL;
    }

    private boolean localRecovery() {
        return stateBackendEnum == StateBackendEnum.ROCKSDB_INCREMENTAL;
    }

    @AfterEach
    void checkWhatTheJobDidOnSpillway(TestInfo test) {
        if (!runs(stateBackendEnum)) {
            return;
        }
        String job = test.getTestMethod().orElseThrow().getName();
        if (JOBS_HOLDING_WINDOW_CONTENTS.contains(job)) {
            assertThat(sumOfGauges("spillway.store.spills"))
                    .as("spills of the window operators' stores")
                    .isPositive();
        }
        if (localRecovery()) {
            assertThat(restores.getMessages())
                    .as("restores after the injected failure")
                    .anyMatch(message -> RESTORED_FROM_LOCAL_COPIES.matcher(message).find());
        }
    }

    private long sumOfGauges(String suffix) {
        long sum = 0;
        for (var group : metrics.getMetricsByGroup().entrySet()) {
            for (var metric : group.getValue().entrySet()) {
                if (group.getKey().getMetricIdentifier(metric.getKey()).endsWith(suffix)) {
                    sum += ((Number) ((Gauge<?>) metric.getValue()).getValue()).longValue();
                }
            }
        }
        return sum;
    }

    /** Skips the enum values that do not run, before the base's set-up starts a cluster. */
    static final class SpillwaySetUps implements InvocationInterceptor {
        @Override
        public void interceptBeforeEachMethod(
                Invocation<Void> invocation,
                ReflectiveInvocationContext<Method> context,
                ExtensionContext extensionContext)
                throws Throwable {
            StateBackendEnum setUp =
                    ((EventTimeWindowCheckpointingOnSpillwayTest)
                                    extensionContext.getRequiredTestInstance())
                            .stateBackendEnum;
            if (!runs(setUp)) {
                invocation.skip();
                Assumptions.abort(
                        setUp == StateBackendEnum.FORST_INCREMENTAL
                                ? "configures ForSt, whose classes are not on the classpath"
                                : "repeats FILE or ROCKSDB_INCREMENTAL on Spillway");
            }
            if (setUp == StateBackendEnum.FILE
                    && extensionContext
                            .getRequiredTestMethod()
                            .getName()
                            .startsWith("testPreAggregated")) {
                invocation.skip();
                Assumptions.abort(
                        "pre-aggregated windows run with ROCKSDB_INCREMENTAL; their reducing state"
                                + " stays in memory, so FILE would repeat the conformance suite");
            }
            invocation.proceed();
        }
    }
}
