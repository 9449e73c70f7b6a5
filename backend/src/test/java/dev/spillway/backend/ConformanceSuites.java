package dev.spillway.backend;

import dev.spillway.backend.store.ReferenceStoreFactory;

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
