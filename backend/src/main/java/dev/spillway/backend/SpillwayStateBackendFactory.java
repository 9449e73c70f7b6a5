package dev.spillway.backend;

import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.runtime.state.StateBackendFactory;

/**
 * Creates the {@link SpillwayStateBackend} from configuration: {@code state.backend.type:
 * dev.spillway.backend.SpillwayStateBackendFactory}. Flink also instantiates it at plan time to
 * ask whether the backend uses managed memory, so it only reads and validates options.
 */
public class SpillwayStateBackendFactory implements StateBackendFactory<SpillwayStateBackend> {

    @Override
    public SpillwayStateBackend createFromConfig(ReadableConfig config, ClassLoader classLoader)
            throws IllegalConfigurationException {
        return new SpillwayStateBackend().configure(config, classLoader);
    }
}
