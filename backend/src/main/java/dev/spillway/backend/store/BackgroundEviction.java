package dev.spillway.backend.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Evicts ahead of need on a background thread, so that the task thread seldom has to evict (and
 * write a run) itself in the middle of a write.
 *
 * <p>The memtable asks for it when a new page leaves less than a low-water mark of the slot's
 * memory free. The eviction then runs as any eviction from another thread does: its victims are
 * frozen under the store lock, the run is written without it, and installed under it again
 * ({@link MemtableEviction#evict}), while the task thread goes on reading and writing into the memory
 * that is still free. If the task thread runs out before the run is written, it evicts under the
 * lock itself, as without this class. Like compaction, the thread exists only while there is
 * work.
 *
 * <p>A failed eviction (full disk) is logged and changes nothing: the entries stay in memory, and
 * the task thread's own eviction, when it comes, reports the cause through the memory manager.
 */
final class BackgroundEviction {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundEviction.class);

    /** What one eviction ahead runs. */
    interface Evictor {
        long evictAhead() throws IOException;
    }

    private final Evictor evictor;
    private final String storeName;
    private final ThreadPoolExecutor executor;

    /** Whether an eviction is queued or running; written under the store lock and by the thread. */
    private volatile boolean scheduled;

    BackgroundEviction(Evictor evictor, String storeName) {
        this.evictor = evictor;
        this.storeName = storeName;
        this.executor = OnDemandThread.executor("spillway-eviction-" + storeName);
    }

    /** Queues one eviction unless one is queued or running; call under the store lock. */
    void schedule() {
        if (!scheduled && !executor.isShutdown()) {
            scheduled = true;
            executor.execute(this::runQuietly);
        }
    }

    private void runQuietly() {
        try {
            evictor.evictAhead();
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "Store {} could not evict ahead of need; the entries stay in memory: {}",
                    storeName,
                    e.toString());
        } finally {
            scheduled = false;
        }
    }

    /** Stops taking work and waits for a running eviction (it installs or drops its run). */
    void shutdown() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("Store {}: an eviction ahead of need did not end within a minute", storeName);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
