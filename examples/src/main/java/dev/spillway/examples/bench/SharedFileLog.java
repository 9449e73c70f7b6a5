package dev.spillway.examples.bench;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * With {@code --upload-log}: prints, as each checkpoint completes, the files that appeared in
 * checkpoint storage's shared directory since the previous one. That is what an incremental
 * checkpoint uploaded, for any backend (RocksDB's new SST files, Spillway's runs), seen from
 * outside. State smaller than Flink's inline threshold (20 KiB by default) is kept in the metadata
 * and shows up in the checkpointed size but not here, and a file of the next checkpoint that is
 * already being written when the listing is taken counts for this one.
 */
final class SharedFileLog implements AutoCloseable {

    private final MiniCluster cluster;
    private final JobID job;
    private final Path shared;
    private final PrintStream log;
    private final Set<Path> seen = new HashSet<>();
    private final Thread thread;
    private volatile boolean stopped;
    private long lastCheckpointId = -1;

    SharedFileLog(MiniCluster cluster, JobID job, Path checkpoints, PrintStream log) {
        this.cluster = cluster;
        this.job = job;
        this.shared = checkpoints.resolve(job.toHexString()).resolve("shared");
        this.log = log;
        this.thread = new Thread(this::poll, "shared-file-log");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        while (!stopped) {
            try {
                CheckpointStatsSnapshot stats =
                        cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
                CompletedCheckpointStats last =
                        stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
                if (last != null && last.getCheckpointId() != lastCheckpointId) {
                    lastCheckpointId = last.getCheckpointId();
                    report(last);
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!stopped) {
                    log.println("shared-file log stopped: " + e);
                }
                return;
            }
        }
    }

    private void report(CompletedCheckpointStats checkpoint) throws IOException {
        List<Long> sizes = new ArrayList<>();
        if (Files.isDirectory(shared)) {
            try (Stream<Path> files = Files.list(shared)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (seen.add(file)) {
                        try {
                            sizes.add(Files.size(file));
                        } catch (IOException | UncheckedIOException gone) {
                            sizes.add(-1L); // deleted meanwhile (an aborted checkpoint's)
                        }
                    }
                }
            }
        }
        sizes.sort(Long::compare);
        log.printf(
                Locale.ROOT,
                "checkpoint %d: checkpointed %d B in %d ms; %d new shared file(s), %d B: %s%n",
                checkpoint.getCheckpointId(),
                checkpoint.getCheckpointedSize(),
                checkpoint.getEndToEndDuration(),
                sizes.size(),
                sizes.stream().mapToLong(Long::longValue).filter(s -> s > 0).sum(),
                sizes);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join();
    }
}
