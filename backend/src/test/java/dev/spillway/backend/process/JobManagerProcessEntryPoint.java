package dev.spillway.backend.process;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The main class of the JobManager JVM: Flink's {@link StandaloneSessionClusterEntrypoint},
 * configured from {@code --key value} arguments, with RPC and REST on port 0. Once it runs it
 * writes the ports it got to the file named by {@code --ports-file} ({@link JobManagerPorts}),
 * which is how the TaskManagers and the test learn them without guessing free ports.
 */
public final class JobManagerProcessEntryPoint {

    static final String PORTS_FILE = "ports-file";

    private JobManagerProcessEntryPoint() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        Path portsFile = Paths.get(params.getRequired(PORTS_FILE));
        Configuration config = params.getConfiguration();
        config.removeKey(PORTS_FILE);
        StandaloneSessionClusterEntrypoint entrypoint =
                new StandaloneSessionClusterEntrypoint(config);
        int exitCode = 1;
        try {
            entrypoint.startCluster();
            new JobManagerPorts(entrypoint.getRpcPort(), entrypoint.getRestPort()).write(portsFile);
            exitCode = entrypoint.getTerminationFuture().get().processExitCode();
        } finally {
            System.exit(exitCode);
        }
    }
}
