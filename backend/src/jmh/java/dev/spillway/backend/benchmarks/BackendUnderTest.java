package dev.spillway.backend.benchmarks;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.runtime.state.ConfigurableStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/**
 * The state backends the benchmarks compare, chosen by name in JMH's {@code backend} parameter.
 *
 * <p>Spillway is looked up by class name rather than referenced, so that the benchmarks build and
 * run (for hashmap and rocksdb) on a branch where the backend does not exist yet; there, its runs
 * fail fast with {@link BackendNotAvailableException} and the report says so instead of showing a
 * number.
 */
public enum BackendUnderTest {
    HEAP("hashmap") {
        @Override
        StateBackend instantiate() {
            return new HashMapStateBackend();
        }
    },

    ROCKSDB("rocksdb") {
        @Override
        StateBackend instantiate() {
            return new EmbeddedRocksDBStateBackend();
        }
    },

    SPILLWAY("spillway") {
        @Override
        StateBackend instantiate() {
            return instantiateSpillway();
        }
    },

    /** Spillway at {@code MEMORY_AND_DISK_SER}: serialized values only, no object tier. */
    SPILLWAY_SER("spillway-ser") {
        @Override
        StateBackend instantiate() {
            return instantiateSpillway();
        }

        @Override
        ReadableConfig adjust(ReadableConfig config) {
            Configuration serialized = Configuration.fromMap(config.toMap());
            serialized.setString(STORAGE_LEVEL_KEY, "MEMORY_AND_DISK_SER");
            return serialized;
        }
    };

    static final String STORAGE_LEVEL_KEY = "spillway.state.storage-level";

    private static StateBackend instantiateSpillway() {
        try {
            return (StateBackend)
                    Class.forName(SPILLWAY_CLASS).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new BackendNotAvailableException(
                    SPILLWAY_CLASS + " is not on the classpath of this build");
        } catch (NoSuchMethodException e) {
            throw new BackendNotAvailableException(
                    SPILLWAY_CLASS + " has no public no-argument constructor in this build");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot instantiate " + SPILLWAY_CLASS, e);
        }
    }

    /** The configuration this backend runs with: the benchmark's, plus its own settings. */
    ReadableConfig adjust(ReadableConfig config) {
        return config;
    }

    static final String SPILLWAY_CLASS = "dev.spillway.backend.SpillwayStateBackend";

    private final String displayName;

    BackendUnderTest(String displayName) {
        this.displayName = displayName;
    }

    /** The name users know the backend by ({@code state.backend.type}). */
    public String displayName() {
        return displayName;
    }

    /**
     * Creates the backend and applies {@code config} the way Flink does for a job, so every
     * backend runs with its defaults plus the benchmark's directories.
     */
    StateBackend create(ReadableConfig config) {
        StateBackend backend = instantiate();
        if (backend instanceof ConfigurableStateBackend) {
            return ((ConfigurableStateBackend) backend)
                    .configure(adjust(config), BackendUnderTest.class.getClassLoader());
        }
        return backend;
    }

    abstract StateBackend instantiate();

    /** Thrown when a backend's classes are not part of this build. */
    static final class BackendNotAvailableException extends IllegalStateException {
        BackendNotAvailableException(String message) {
            super(message);
        }
    }
}
