package dev.spillway.backend.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The ports a JobManager started on port 0 actually got, passed to the other processes through a
 * file: written once by the JobManager, read by the TaskManagers and the test.
 */
record JobManagerPorts(int rpcPort, int restPort) {

    /**
     * How long a reader waits for the JobManager before giving up; the test's own limit is lower.
     */
    private static final long WAIT_MILLIS = 5 * 60 * 1000;

    void write(Path file) throws IOException {
        Path written = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(written, rpcPort + " " + restPort, StandardCharsets.US_ASCII);
        // Readers poll for the file: they must never see half of it.
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
    }

    static boolean isWritten(Path file) {
        return Files.exists(file);
    }

    static JobManagerPorts read(Path file) throws IOException {
        String[] ports = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
        return new JobManagerPorts(Integer.parseInt(ports[0]), Integer.parseInt(ports[1]));
    }

    /** Waits for the file (a TaskManager JVM that started before the JobManager was up). */
    static JobManagerPorts await(Path file) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (!isWritten(file)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException("No JobManager ports in " + file + " after 5 minutes");
            }
            Thread.sleep(50);
        }
        return read(file);
    }
}
