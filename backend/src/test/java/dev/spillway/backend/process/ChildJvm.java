package dev.spillway.backend.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from the test's own classpath (so Flink, Spillway and the test classes are all
 * there) whose output goes to a file, because a failed process test is diagnosed from the logs of
 * the processes it started, not from the test's report alone.
 */
final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with the configuration as {@code --key value} arguments (what {@link
     * org.apache.flink.util.ParameterTool} reads back) and its stdout and stderr in {@code log}. A
     * log4j configuration that logs INFO to the console is passed along, so the log file is Flink's
     * own log of that process.
     */
    static ChildJvm start(
            String name,
            Class<?> mainClass,
            List<String> jvmOptions,
            Map<String, String> config,
            Path log,
            Path log4jConfig)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dlog4j.configurationFile=" + log4jConfig.toUri());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        config.forEach(
                (key, value) -> {
                    command.add("--" + key);
                    command.add(value);
                });
        File logFile = log.toFile();
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                        .start();
        return new ChildJvm(name, process, log);
    }

    /** What {@link #start} writes as the child's log4j configuration: INFO to the console. */
    static String log4jConsoleConfig() {
        return String.join(
                "\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.console.ref = console",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %t %c{1} - %m%n",
                "");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no orderly disconnect, as when a machine or container dies. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + pid() + ") survived SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ", log " + log + ")";
    }
}
