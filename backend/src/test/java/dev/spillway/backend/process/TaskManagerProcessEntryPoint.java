package dev.spillway.backend.process;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.runtime.taskexecutor.TaskExecutorResourceUtils;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The main class of a TaskManager JVM: Flink's own {@link TaskManagerRunner}, configured from
 * {@code --key value} arguments instead of a configuration directory.
 *
 * <p>The JobManager's RPC port comes from the file {@link JobManagerProcessEntryPoint} writes
 * ({@code --jobmanager-ports-file}), so TaskManager JVMs can start while the JobManager is still
 * starting: on a loaded machine JVM start-up is most of a process test's time.
 *
 * <p>{@code flink-daemon.sh} normally works out the TaskManager's memory components before the JVM
 * starts; here the components that are not set explicitly (managed memory is) take the defaults
 * Flink uses for a local TaskManager.
 */
public final class TaskManagerProcessEntryPoint {

    static final String PORTS_FILE = "jobmanager-ports-file";

    private TaskManagerProcessEntryPoint() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        Path portsFile = Paths.get(params.getRequired(PORTS_FILE));
        Configuration config = params.getConfiguration();
        config.removeKey(PORTS_FILE);
        config.set(JobManagerOptions.PORT, JobManagerPorts.await(portsFile).rpcPort());
        TaskExecutorResourceUtils.adjustForLocalExecution(config);
        // Exits the JVM when the TaskManager terminates, as the real entry point does.
        TaskManagerRunner.runTaskManagerProcessSecurely(config);
    }
}
