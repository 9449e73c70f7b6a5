package org.apache.flink.test.checkpointing;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.HashMap;

/**
 * A configuration whose pinned options keep the value they were pinned to, whatever is set later.
 *
 * <p>Some of Flink's checkpointing ITCases choose their backend from a closed enum and write {@code
 * state.backend.type} (and the managed memory size) after the last hook a subclass gets (their
 * {@code createClusterConfig()}). Returning this configuration from that hook is how those tests
 * run on Spillway while keeping everything else the enum value sets up (checkpoint storage,
 * incremental flag, file thresholds). Copies ({@code new Configuration(pinned)}) are plain
 * configurations holding the pinned values.
 */
final class PinnedConfiguration extends Configuration {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, Object> pinned = new HashMap<>();

    /** Sets the option now and ignores any later value for it. */
    <T> PinnedConfiguration pin(ConfigOption<T> option, T value) {
        pinned.put(option.key(), value);
        super.set(option, value);
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Configuration set(ConfigOption<T> option, T value) {
        return super.set(option, (T) pinned.getOrDefault(option.key(), value));
    }
}
