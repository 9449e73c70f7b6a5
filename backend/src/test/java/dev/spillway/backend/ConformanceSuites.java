package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.state.StorageLevel;
import dev.spillway.backend.store.ReferenceStoreFactory;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

import org.apache.flink.runtime.state.CheckpointStorage;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the runs of Flink's conformance suites over Spillway share. */
final class ConformanceSuites {

    private ConformanceSuites() {}

    /**
     * Every store crossed with both kinds of checkpoint storage, as {@code (StateStoreFactory,
     * "jobmanager" | "filesystem")}: the reference model (state layer alone), the production store
     * in the test environment's managed memory, and the production store in a budget of a few
     * pages, so that it evicts and compacts throughout.
     */
    static List<Object[]> storesAndCheckpointStorages() {
        List<Object[]> parameters = new ArrayList<>();
        for (StateStoreFactory store :
                Arrays.asList(
                        new ReferenceStoreFactory(),
                        SpillableStoreFactory.withDefaults(),
                        new FixedBudgetStoreFactory(288 * 1024, 4 * 1024))) {
            for (String storage : Arrays.asList("jobmanager", "filesystem")) {
                parameters.add(new Object[] {store, storage});
            }
        }
        return parameters;
    }

    /** The object tier as the suites run it: the default, off, and so small it evicts always. */
    enum Tier {
        /** {@code MEMORY_AND_DISK} with the default tier size. */
        OBJECTS,
        /** {@code MEMORY_AND_DISK_SER}: no tier. */
        SERIALIZED,
        /** {@code MEMORY_AND_DISK} in 600 bytes: two or three values, evicted every few operations. */
        TINY_OBJECTS;

        /** The backend with this tier. */
        SpillwayStateBackend configure(SpillwayStateBackend backend) {
            Configuration config = new Configuration();
            config.set(
                    StateOptions.STORAGE_LEVEL,
                    this == SERIALIZED
                            ? StorageLevel.MEMORY_AND_DISK_SER
                            : StorageLevel.MEMORY_AND_DISK);
            if (this == TINY_OBJECTS) {
                config.set(StateOptions.OBJECT_TIER_SIZE, MemorySize.parse("600b"));
            }
            return backend.configure(config, ConformanceSuites.class.getClassLoader());
        }

        /** Whether the backend hands out stored objects (and so reports them unsafe to reuse). */
        boolean handsOutStoredObjects() {
            return this != SERIALIZED;
        }
    }

    /**
     * {@link #storesAndCheckpointStorages()} with the default object tier, plus the production
     * stores with the tier off and tiny, as {@code (StateStoreFactory, storage, Tier)}.
     */
    static List<Object[]> storesStoragesAndTiers() {
        List<Object[]> parameters = new ArrayList<>();
        for (Object[] storeAndStorage : storesAndCheckpointStorages()) {
            parameters.add(new Object[] {storeAndStorage[0], storeAndStorage[1], Tier.OBJECTS});
        }
        for (Tier tier : Arrays.asList(Tier.SERIALIZED, Tier.TINY_OBJECTS)) {
            parameters.add(new Object[] {SpillableStoreFactory.withDefaults(), "filesystem", tier});
            parameters.add(
                    new Object[] {new FixedBudgetStoreFactory(288 * 1024, 4 * 1024), "filesystem", tier});
        }
        return parameters;
    }

    /** The checkpoint storage named by {@link #storesAndCheckpointStorages()}. */
    static CheckpointStorage checkpointStorage(String storage, Path checkpointDir) {
        return "jobmanager".equals(storage)
                ? new JobManagerCheckpointStorage()
                : new FileSystemCheckpointStorage(checkpointDir.toUri());
    }

    /** Skips the suite's test method of that name, reported as aborted with the reason. */
    static InvocationInterceptor skipping(String testName, String reason) {
        return new InvocationInterceptor() {
            @Override
            public void interceptTestTemplateMethod(
                    Invocation<Void> invocation,
                    ReflectiveInvocationContext<Method> context,
                    ExtensionContext extensionContext)
                    throws Throwable {
                if (context.getExecutable().getName().equals(testName)) {
                    invocation.skip();
                    Assumptions.abort(reason);
                }
                invocation.proceed();
            }
        };
    }
}
