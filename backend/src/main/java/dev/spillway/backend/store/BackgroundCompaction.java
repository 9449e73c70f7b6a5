package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.compaction.CompactionTask;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs one store's compactions on a background thread, one at a time.
 *
 * <p>The thread exists only while there is work (it ends after a short idle time), so a task
 * manager with many idle stores keeps no idle threads. Each job plans against the store's
 * <em>current</em> runs when it starts, merges without any store lock (runs are immutable and the
 * task holds references on its inputs), and installs the result under the lock in O(runs). Jobs
 * are serialized by the single thread, which is what {@link
 * dev.spillway.backend.store.run.RunVersion#replace} requires: two merges must never overlap.
 *
 * <p>A failed merge (full disk, I/O error) leaves the inputs in place; the failure is logged and
 * counted, and the next spill tries again.
 */
final class BackgroundCompaction {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundCompaction.class);

    /** The store side of a compaction: planning and installing happen under the store's lock. */
    interface Target {
        /** Plans against the current runs, or returns {@code null} when nothing is due or closed. */
        CompactionTask plan(boolean full);

        /**
         * The merge's execution memory, taken before it starts (see {@link
         * StoreMemoryAccounts#forCompaction}); never refused, possibly less than asked for.
         */
        MemoryReservation reserveMemory(CompactionTask task);

        /** Installs a finished task's output in place of its inputs. */
        void install(CompactionTask task);
    }

    private final Target target;
    private final ThreadPoolExecutor executor;

    /** Whether a policy-driven job is queued; written under the store lock. */
    private volatile boolean scheduled;

    /** The merge in progress, so that closing the store can cancel it. */
    private volatile CompactionTask running;

    private volatile long completed;
    private volatile long failed;

    BackgroundCompaction(Target target, String storeName) {
        this.target = target;
        this.executor = OnDemandThread.executor("spillway-compaction-" + storeName);
    }

    /** Queues a policy-driven compaction unless one is already queued; call under the store lock. */
    void schedule() {
        if (!scheduled && !executor.isShutdown()) {
            scheduled = true;
            executor.execute(() -> runQuietly(false));
        }
    }

    /** Called by the job under the store lock when it starts planning. */
    void planned() {
        scheduled = false;
    }

    /**
     * Merges all runs into one and waits for it (tests and tools). Must not be called under the
     * store lock, which the job needs.
     */
    void compactFullyAndWait() throws IOException {
        Future<?> job =
                executor.submit(
                        () -> {
                            compactOnce(true);
                            return null;
                        });
        try {
            job.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            throw new IOException("Compaction failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for a compaction", e);
        }
    }

    /** Whether a compaction is queued or merging. */
    boolean busy() {
        return scheduled || running != null;
    }

    /**
     * Waits until the compactions queued so far have finished (write back-pressure: the caller's
     * spills outran the merges). Must not be called under the store lock.
     */
    void awaitQueued() throws IOException {
        try {
            executor.submit(() -> {}).get();
        } catch (ExecutionException e) {
            throw new IOException("Waiting for compactions failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for compactions", e);
        } catch (RejectedExecutionException closed) {
            // The store is closing; nothing left to wait for.
        }
    }

    long completed() {
        return completed;
    }

    long failed() {
        return failed;
    }

    /**
     * Stops accepting work, cancels a merge in progress (its output is deleted, its inputs stay)
     * and waits for the thread to end; call without the store lock.
     */
    void shutdown() {
        executor.shutdown();
        CompactionTask inProgress = running;
        if (inProgress != null) {
            inProgress.cancel();
        }
        try {
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warn("A compaction did not finish within 60 s of closing its store");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runQuietly(boolean full) {
        try {
            compactOnce(full);
        } catch (IOException e) {
            if (!executor.isShutdown()) {
                LOG.warn("Background compaction failed; the store keeps its runs and retries later", e);
            }
        }
    }

    private void compactOnce(boolean full) throws IOException {
        CompactionTask task = target.plan(full);
        if (task == null) {
            return;
        }
        running = task;
        try (task) {
            // Given back before the install waits for the store lock.
            try (MemoryReservation merge = target.reserveMemory(task)) {
                task.run();
            }
            target.install(task);
            completed++;
        } catch (IOException | RuntimeException e) {
            failed++;
            throw e;
        } finally {
            running = null;
        }
    }
}
