package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Selecting and configuring Spillway the ways users do, and rejecting bad options clearly. */
class SpillwayStateBackendFactoryTest {

    private static StateBackend load(Configuration config) throws Exception {
        config.set(StateBackendOptions.STATE_BACKEND, SpillwayStateBackendFactory.class.getName());
        return StateBackendLoader.loadStateBackendFromConfig(
                config,
                SpillwayStateBackendFactoryTest.class.getClassLoader(),
                LoggerFactory.getLogger(SpillwayStateBackendFactoryTest.class));
    }

    @Test
    void stateBackendTypeSelectsSpillway() throws Exception {
        StateBackend backend = load(new Configuration());

        assertThat(backend).isInstanceOf(SpillwayStateBackend.class);
        assertThat(backend.useManagedMemory()).isTrue();
        assertThat(backend.supportsNoClaimRestoreMode()).isTrue();
        assertThat(backend.getName()).isEqualTo("Spillway");
    }

    @Test
    void incrementalCheckpointsFollowFlinksOption() throws Exception {
        assertThat(
                        ((SpillwayStateBackend) load(new Configuration()))
                                .isIncrementalCheckpointsEnabled())
                .isFalse();
        Configuration incremental = new Configuration();
        incremental.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        assertThat(((SpillwayStateBackend) load(incremental)).isIncrementalCheckpointsEnabled())
                .isTrue();
        assertThat(
                        new SpillwayStateBackend(new ReferenceStoreFactory(), true)
                                .configure(new Configuration(), getClass().getClassLoader())
                                .isIncrementalCheckpointsEnabled())
                .as("a backend built in code keeps its setting unless the option is set")
                .isTrue();
    }

    @Test
    void validOptionsAreAccepted(@TempDir Path spillDirectory) throws Exception {
        Configuration config = new Configuration();
        config.setString("spillway.store.spill-directory", spillDirectory.toString());
        config.setString("spillway.store.compaction-trigger", "8");
        config.setString("spillway.memory.storage-fraction", "0.7");

        assertThat(load(config)).isInstanceOf(SpillwayStateBackend.class);
    }

    @Test
    void badOptionsNameTheOptionAndTheRange() {
        assertRejected("spillway.store.compaction-trigger", "1", "an integer from 2");
        assertRejected("spillway.store.compaction-trigger", "many", "an integer");
        assertRejected("spillway.store.block-size", "1 b", "a size from");
        assertRejected("spillway.memory.storage-fraction", "1.5", "[0.0, 1.0]");
    }

    private static void assertRejected(String key, String value, String range) {
        Configuration config = new Configuration();
        config.setString(key, value);
        assertThatThrownBy(() -> load(config))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(range);
    }

    @Test
    void configureKeepsAStoreFactorySetInCode() {
        StateStoreFactory custom = new ReferenceStoreFactory();
        Configuration config = new Configuration();
        config.setString("spillway.store.compaction-trigger", "1");

        // The custom factory ignores store options, so they are not validated against it.
        SpillwayStateBackend configured =
                new SpillwayStateBackend(custom).configure(config, getClass().getClassLoader());

        assertThat(configured).isNotNull();
        assertThatThrownBy(
                        () ->
                                new SpillwayStateBackend()
                                        .configure(config, getClass().getClassLoader()))
                .isInstanceOf(IllegalConfigurationException.class);
    }
}
