package dev.spillway.backend;

import dev.spillway.backend.state.incremental.IncrementalRestoreOperation;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local recovery on a MiniCluster whose TaskManager has it on ({@code
 * execution.state-recovery.from-local} is a TaskManager option, so a job cannot switch it on):
 * after an injected failure, the incremental checkpoint's runs come from the local copy.
 */
class SpillwayLocalRecoveryTest {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .setConfiguration(clusterConfiguration())
                            .build());

    @RegisterExtension
    final LoggerAuditingExtension restores =
            new LoggerAuditingExtension(IncrementalRestoreOperation.class, Level.INFO);

    private static Configuration clusterConfiguration() {
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(64));
        config.set(StateRecoveryOptions.LOCAL_RECOVERY, true);
        return config;
    }

    @BeforeEach
    void resetProgress() {
        EveryStateKindFunction.PROCESSED.set(0);
        SpillwayMiniClusterTest.FailOnceAfterCheckpoint.FAILED.set(false);
    }

    @Test
    void failureRestoresIncrementalCheckpointFromTheLocalCopy() throws Exception {
        // Slower than the other failure tests: a checkpoint with a local copy must complete first.
        SpillwayMiniClusterTest.runWithInjectedFailure(
                SpillwayMiniClusterTest.incremental(), 1_000);

        assertThat(restores.getMessages())
                .as("restores of the keyed operator's subtasks")
                .isNotEmpty()
                .anyMatch(message -> message.contains("(1 from local recovery copies)"));
    }
}
