package dev.spillway.backend.process;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.JobVertexDetailsHeaders;
import org.apache.flink.runtime.rest.messages.JobVertexMessageParameters;
import org.apache.flink.runtime.rest.messages.MessageQueryParameter;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.SubtaskExecutionAttemptDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.metrics.JobVertexMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.JobVertexMetricsMessageParameters;
import org.apache.flink.runtime.rest.messages.job.metrics.Metric;
import org.apache.flink.runtime.rest.messages.job.metrics.MetricsFilterParameter;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersHeaders;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster of separate JVMs on loopback: one JobManager ({@link
 * JobManagerProcessEntryPoint}) and any number of TaskManagers ({@link
 * TaskManagerProcessEntryPoint}), each logging to its own file in the cluster's directory. Every
 * port is 0; the TaskManagers and the test learn the JobManager's from the file it writes ({@link
 * JobManagerPorts}).
 */
final class ProcessCluster implements AutoCloseable {

    static final String HOST = "127.0.0.1";

    /**
     * C1 only and the serial collector: the processes live for seconds and share two cores with the
     * build, so compiling and collecting in the background would cost more than it saves.
     */
    private static final List<String> CHILD_JVM =
            List.of(
                    "-Xmx256m",
                    "-XX:MaxDirectMemorySize=128m",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC");

    private final Path dir;
    private final Map<String, String> config;
    private final Path log4jConfig;
    private final List<ChildJvm> processes = new ArrayList<>();
    private final Path portsFile;
    private final ExecutorService restExecutor = Executors.newSingleThreadExecutor();
    private final RestClient rest;
    private ChildJvm jobManager;
    private JobManagerPorts ports;

    private ProcessCluster(Path dir, Map<String, String> config, Path log4jConfig) {
        this.dir = dir;
        this.config = config;
        this.log4jConfig = log4jConfig;
        this.portsFile = dir.resolve("jobmanager.ports");
        try {
            this.rest = new RestClient(new Configuration(), restExecutor);
        } catch (Exception e) {
            restExecutor.shutdownNow();
            throw new IllegalStateException("Cannot create a REST client", e);
        }
    }

    /**
     * Starts the JobManager JVM with {@code config} plus the loopback addresses, and returns at
     * once: TaskManagers may be started right away, they wait for the JobManager's ports.
     */
    static ProcessCluster start(Path dir, Map<String, String> config) throws Exception {
        Files.createDirectories(dir);
        Path log4jConfig = dir.resolve("log4j2.properties");
        Files.writeString(log4jConfig, ChildJvm.log4jConsoleConfig(), StandardCharsets.UTF_8);
        Map<String, String> clusterConfig = new LinkedHashMap<>(config);
        clusterConfig.put("jobmanager.rpc.address", HOST);
        clusterConfig.put("jobmanager.bind-host", HOST);
        clusterConfig.put("taskmanager.host", HOST);
        clusterConfig.put("taskmanager.bind-host", HOST);
        ProcessCluster cluster = new ProcessCluster(dir, clusterConfig, log4jConfig);
        try {
            cluster.startJobManager();
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startJobManager() throws IOException {
        Map<String, String> jmConfig = new LinkedHashMap<>(config);
        jmConfig.put("jobmanager.rpc.port", "0");
        jmConfig.put("rest.address", HOST);
        jmConfig.put("rest.bind-address", HOST);
        jmConfig.put("rest.bind-port", "0");
        jmConfig.put("io.tmp.dirs", tmpDir("jobmanager"));
        jmConfig.put(JobManagerProcessEntryPoint.PORTS_FILE, portsFile.toString());
        jobManager =
                ChildJvm.start(
                        "jobmanager",
                        JobManagerProcessEntryPoint.class,
                        CHILD_JVM,
                        jmConfig,
                        dir.resolve("jobmanager.log"),
                        log4jConfig);
        processes.add(jobManager);
    }

    /** Waits until the JobManager has written its ports; the REST calls need them. */
    private synchronized JobManagerPorts ports(Duration timeout) throws Exception {
        if (ports == null) {
            Deadline.within(timeout)
                    .await(
                            "the JobManager to start (" + jobManager + ")",
                            () -> {
                                if (!jobManager.isAlive()) {
                                    throw new AssertionError(
                                            "The JobManager exited: " + jobManager);
                                }
                                return JobManagerPorts.isWritten(portsFile);
                            });
            ports = JobManagerPorts.read(portsFile);
        }
        return ports;
    }

    /** The REST port, known once {@link #awaitTaskManagers} has seen the JobManager start. */
    private synchronized int restPort() {
        if (ports == null) {
            throw new IllegalStateException("The JobManager's ports are not known yet");
        }
        return ports.restPort();
    }

    /** Starts a TaskManager JVM named {@code name} (also its resource id and log file name). */
    ChildJvm startTaskManager(String name) throws IOException {
        Map<String, String> tmConfig = new LinkedHashMap<>(config);
        tmConfig.put(TaskManagerProcessEntryPoint.PORTS_FILE, portsFile.toString());
        tmConfig.put("taskmanager.resource-id", name);
        tmConfig.put("io.tmp.dirs", tmpDir(name));
        ChildJvm taskManager =
                ChildJvm.start(
                        name,
                        TaskManagerProcessEntryPoint.class,
                        CHILD_JVM,
                        tmConfig,
                        dir.resolve(name + ".log"),
                        log4jConfig);
        processes.add(taskManager);
        return taskManager;
    }

    /** Waits until {@code count} TaskManagers have registered with the ResourceManager. */
    void awaitTaskManagers(int count, Duration timeout) throws Exception {
        int restPort = ports(timeout).restPort();
        Deadline.within(timeout)
                .await(
                        count + " TaskManagers to register (" + describe() + ")",
                        () ->
                                rest.sendRequest(
                                                        HOST,
                                                        restPort,
                                                        TaskManagersHeaders.getInstance(),
                                                        EmptyMessageParameters.getInstance(),
                                                        EmptyRequestBody.getInstance())
                                                .get(10, TimeUnit.SECONDS)
                                                .getTaskManagerInfos()
                                                .size()
                                        >= count);
    }

    /**
     * The TaskManagers (by resource id, which {@link #startTaskManager} sets to the process name)
     * that run a subtask of the job's vertex named {@code vertexName}, in subtask order.
     */
    List<String> taskManagersRunning(JobID job, String vertexName) throws Exception {
        int restPort = restPort();
        JobVertexMessageParameters vertexParameters = new JobVertexMessageParameters();
        vertexParameters.jobPathParameter.resolve(job);
        vertexParameters.jobVertexIdPathParameter.resolve(vertexId(job, vertexName));
        return rest
                .sendRequest(
                        HOST,
                        restPort,
                        JobVertexDetailsHeaders.getInstance(),
                        vertexParameters,
                        EmptyRequestBody.getInstance())
                .get(10, TimeUnit.SECONDS)
                .getSubtasks()
                .stream()
                .filter(subtask -> subtask.getStatus() == ExecutionState.RUNNING)
                .map(SubtaskExecutionAttemptDetailsInfo::getTaskmanagerId)
                .collect(Collectors.toList());
    }

    /**
     * The sum over the subtasks of the job's vertex named {@code vertexName} of the metric whose
     * name ends with {@code suffix} (the REST API names them "subtask.operator.group.name"), or 0
     * while none is reported yet.
     */
    double subtaskMetricSum(JobID job, String vertexName, String suffix) throws Exception {
        int restPort = restPort();
        JobVertexMetricsMessageParameters parameters = new JobVertexMetricsMessageParameters();
        parameters.jobPathParameter.resolve(job);
        parameters.jobVertexIdPathParameter.resolve(vertexId(job, vertexName));
        List<String> ids =
                rest
                        .sendRequest(
                                HOST,
                                restPort,
                                JobVertexMetricsHeaders.getInstance(),
                                parameters,
                                EmptyRequestBody.getInstance())
                        .get(10, TimeUnit.SECONDS)
                        .getMetrics()
                        .stream()
                        .map(Metric::getId)
                        .filter(id -> id.endsWith(suffix))
                        .collect(Collectors.toList());
        if (ids.isEmpty()) {
            return 0;
        }
        for (MessageQueryParameter<?> query : parameters.getQueryParameters()) {
            if (query instanceof MetricsFilterParameter) {
                ((MetricsFilterParameter) query).resolve(ids);
            }
        }
        double sum = 0;
        for (Metric metric :
                rest.sendRequest(
                                HOST,
                                restPort,
                                JobVertexMetricsHeaders.getInstance(),
                                parameters,
                                EmptyRequestBody.getInstance())
                        .get(10, TimeUnit.SECONDS)
                        .getMetrics()) {
            if (metric.getValue() != null) {
                sum += Double.parseDouble(metric.getValue());
            }
        }
        return sum;
    }

    private JobVertexID vertexId(JobID job, String vertexName) throws Exception {
        JobMessageParameters parameters = new JobMessageParameters();
        parameters.jobPathParameter.resolve(job);
        JobDetailsInfo details =
                rest.sendRequest(
                                HOST,
                                restPort(),
                                JobDetailsHeaders.getInstance(),
                                parameters,
                                EmptyRequestBody.getInstance())
                        .get(10, TimeUnit.SECONDS);
        return details.getJobVertexInfos().stream()
                .filter(v -> v.getName().equals(vertexName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No vertex " + vertexName))
                .getJobVertexID();
    }

    /** The process started by {@link #startTaskManager} with that name. */
    ChildJvm process(String name) {
        return processes.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No process " + name + ": " + describe()));
    }

    /** The job's checkpoint statistics as the REST API reports them (also after it finished). */
    CheckpointingStatistics checkpoints(JobID job) throws Exception {
        int restPort = restPort();
        JobMessageParameters parameters = new JobMessageParameters();
        parameters.jobPathParameter.resolve(job);
        return rest.sendRequest(
                        HOST,
                        restPort,
                        CheckpointingStatisticsHeaders.getInstance(),
                        parameters,
                        EmptyRequestBody.getInstance())
                .get(10, TimeUnit.SECONDS);
    }

    /** An environment that submits to this cluster through its REST endpoint. */
    StreamExecutionEnvironment environment(Configuration jobConfig) throws Exception {
        int restPort = restPort();
        // No jars: the cluster's JVMs run with the test classpath, so the job's classes are there.
        return StreamExecutionEnvironment.createRemoteEnvironment(HOST, restPort, jobConfig);
    }

    /** The processes and their log files, for failure messages. */
    String describe() {
        return processes.stream()
                .map(p -> p + (p.isAlive() ? "" : " [exited]"))
                .collect(Collectors.joining(", "));
    }

    Path dir() {
        return dir;
    }

    private String tmpDir(String process) throws IOException {
        return Files.createDirectories(dir.resolve("tmp").resolve(process)).toString();
    }

    /** Kills every process (SIGKILL: the test is over, nothing of theirs needs to be kept). */
    @Override
    public void close() throws Exception {
        Exception failure = null;
        for (ChildJvm process : processes) {
            try {
                process.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        rest.close();
        restExecutor.shutdownNow();
        if (failure != null) {
            throw failure;
        }
    }
}
