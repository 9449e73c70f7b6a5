package dev.spillway.backend.state.incremental;

import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.util.ExceptionUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Brings the run files of a restore onto local disk, several at a time: downloads from checkpoint
 * storage, or hard links from a local recovery copy. Each file's length is checked against the
 * length the checkpoint recorded, so a truncated download fails here, naming the file.
 */
final class RunTransfer implements AutoCloseable {

    /** Parallel transfers; as RocksDB's default {@code checkpoint.transfer.thread.num}. */
    static final int THREADS = 4;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ExecutorService pool;
    private final CloseableRegistry cancellation;
    private final List<Future<?>> transfers = new ArrayList<>();

    RunTransfer(CloseableRegistry cancellation) {
        int poolNumber = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.pool =
                Executors.newFixedThreadPool(
                        THREADS,
                        task -> {
                            Thread thread =
                                    new Thread(
                                            task,
                                            "spillway-restore-"
                                                    + poolNumber
                                                    + "-"
                                                    + threads.incrementAndGet());
                            thread.setDaemon(true);
                            return thread;
                        });
        this.cancellation = cancellation;
    }

    /** Starts downloading the handle's bytes to the target. */
    void download(StreamStateHandle source, Path target, String runName, long expectedBytes) {
        transfers.add(
                pool.submit(
                        () -> {
                            FSDataInputStream in = source.openInputStream();
                            cancellation.registerCloseable(in);
                            try {
                                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                            } finally {
                                if (cancellation.unregisterCloseable(in)) {
                                    in.close();
                                }
                            }
                            checkLength(
                                    target, runName, expectedBytes, "checkpoint file " + source);
                            return null;
                        }));
    }

    /** Starts linking (or, across file systems, copying) a local recovery file to the target. */
    void link(Path source, Path target, String runName, long expectedBytes) {
        transfers.add(
                pool.submit(
                        () -> {
                            try {
                                Files.createLink(target, source);
                            } catch (IOException | UnsupportedOperationException e) {
                                try (InputStream in = Files.newInputStream(source)) {
                                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                                }
                            }
                            checkLength(target, runName, expectedBytes, "local copy " + source);
                            return null;
                        }));
    }

    /** Waits for every transfer; the first failure cancels the rest and is thrown. */
    void awaitAll() throws IOException {
        try {
            for (Future<?> transfer : transfers) {
                transfer.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while restoring run files", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            ExceptionUtils.rethrowIOException(cause);
        } finally {
            transfers.forEach(transfer -> transfer.cancel(true));
            transfers.clear();
        }
    }

    private static void checkLength(Path file, String runName, long expected, String source)
            throws IOException {
        long actual = Files.size(file);
        if (actual != expected) {
            throw new IOException(
                    "Run "
                            + runName
                            + " restored from "
                            + source
                            + " has "
                            + actual
                            + " bytes, but the checkpoint recorded "
                            + expected
                            + ": the file is truncated or was replaced. "
                            + IncrementalRestoreOperation.WAY_OUT);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
