package org.apache.flink.test.checkpointing;

import dev.spillway.backend.SpillwayStateBackendFactory;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.util.MiniClusterWithClientResource;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameter;
import org.apache.flink.testutils.junit.extensions.parameterized.ParameterizedTestExtension;
import org.apache.flink.testutils.junit.extensions.parameterized.Parameters;

import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Collection;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's {@link ResumeCheckpointManuallyITCase} on Spillway: a windowed job is cancelled with its
 * checkpoints retained and resumed from the latest retained checkpoint, twice; the third run starts
 * from the second run's checkpoint in CLAIM mode and from the first one's in NO_CLAIM mode, so a
 * NO_CLAIM run must not have deleted or changed what the first checkpoint refers to (with
 * incremental checkpoints: runs uploaded by the first job).
 *
 * <p>The base's test methods fix their backends (hashmap, rocksdb) in private methods; this test
 * does what they do, in the same cluster shape, around the base's own job and resume step ({@code
 * runJobAndGetExternalizedCheckpoint}): full, incremental, and incremental with local recovery
 * checkpoints, and a switch between full and incremental checkpoints from one run to the next (the
 * base's rocksdb switch test). The base's ZooKeeper variants repeat these with an HA checkpoint
 * store and are not run here.
 */
@ExtendWith(ParameterizedTestExtension.class)
class ResumeCheckpointManuallyOnSpillwayTest {

    @Parameter public RecoveryClaimMode claimMode;

    @TempDir File temporaryFolder;

    /** The base also runs LEGACY, deprecated in Flink 2.x; left out to keep the suite short. */
    @Parameters(name = "{0}")
    public static Collection<RecoveryClaimMode> claimModes() {
        return Arrays.asList(RecoveryClaimMode.CLAIM, RecoveryClaimMode.NO_CLAIM);
    }

    @TestTemplate
    void fullCheckpoints() throws Exception {
        Configuration full = spillway(false);
        resumeTwice(full, full, full, false);
    }

    @TestTemplate
    void incrementalCheckpoints() throws Exception {
        Configuration incremental = spillway(true);
        resumeTwice(incremental, incremental, incremental, false);
    }

    @TestTemplate
    void incrementalCheckpointsWithLocalRecovery() throws Exception {
        Configuration incremental = spillway(true);
        resumeTwice(incremental, incremental, incremental, true);
    }

    @TestTemplate
    void fullThenIncrementalThenFullCheckpoints() throws Exception {
        resumeTwice(spillway(false), spillway(true), spillway(false), false);
    }

    private Configuration spillway(boolean incremental) {
        Configuration config = new Configuration();
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, temporaryFolder.toURI().toString());
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incremental);
        return config;
    }

    /** The base's private {@code testExternalizedCheckpoints}, without its ZooKeeper option. */
    private void resumeTwice(
            Configuration first, Configuration second, Configuration third, boolean localRecovery)
            throws Exception {
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, temporaryFolder.toURI().toString());
        File savepoints =
                Files.createTempDirectory(temporaryFolder.toPath(), "savepoints").toFile();
        cluster.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepoints.toURI().toString());
        cluster.set(StateRecoveryOptions.LOCAL_RECOVERY, localRecovery);

        MiniClusterWithClientResource miniCluster =
                new MiniClusterWithClientResource(
                        new MiniClusterResourceConfiguration.Builder()
                                .setConfiguration(cluster)
                                .setNumberTaskManagers(2)
                                .setNumberSlotsPerTaskManager(2)
                                .build());
        miniCluster.before();
        try {
            String firstCheckpoint = resume(null, miniCluster, first);
            String secondCheckpoint = resume(firstCheckpoint, miniCluster, second);
            resume(
                    claimMode == RecoveryClaimMode.CLAIM ? secondCheckpoint : firstCheckpoint,
                    miniCluster,
                    third);
        } finally {
            miniCluster.after();
        }
    }

    /** Runs the base's job from the checkpoint until two checkpoints complete, then cancels it. */
    private String resume(
            String checkpoint, MiniClusterWithClientResource miniCluster, Configuration job)
            throws Exception {
        String retained =
                ResumeCheckpointManuallyITCase.runJobAndGetExternalizedCheckpoint(
                        checkpoint, miniCluster, claimMode, job, 2, true);
        assertThat(retained).isNotNull();
        return retained;
    }
}
