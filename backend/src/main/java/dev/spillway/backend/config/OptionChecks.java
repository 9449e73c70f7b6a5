package dev.spillway.backend.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Reading and rejecting option values with one message format, so every invalid Spillway option
 * fails the same way: an {@link IllegalConfigurationException} that names the option key and the
 * values it accepts.
 */
final class OptionChecks {

    private OptionChecks() {}

    /**
     * Reads an option, turning Flink's parse failure (e.g. "abc" for a number) into a message that
     * also says what the option accepts.
     */
    static <T> T read(ReadableConfig config, ConfigOption<T> option, String accepted) {
        try {
            return config.get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalConfigurationException(
                    "Invalid value for '"
                            + option.key()
                            + "': expected "
                            + accepted
                            + ". "
                            + e.getMessage(),
                    e);
        }
    }

    /** The exception for a value that parsed but lies outside the accepted range. */
    static IllegalConfigurationException invalid(
            ConfigOption<?> option, Object value, String accepted) {
        return new IllegalConfigurationException(
                "Invalid value '"
                        + value
                        + "' for '"
                        + option.key()
                        + "': expected "
                        + accepted
                        + ".");
    }
}
