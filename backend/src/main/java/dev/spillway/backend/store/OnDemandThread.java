package dev.spillway.backend.store;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The single background thread of one store's compactions or evictions: it exists only while
 * there is work and ends after a short idle time, so a task manager with many idle stores keeps no
 * idle threads, and it is a daemon, so it never holds a JVM up.
 */
final class OnDemandThread {

    private static final long IDLE_THREAD_SECONDS = 10;

    private OnDemandThread() {}

    /** A one-thread executor whose thread is named {@code name} while it exists. */
    static ThreadPoolExecutor executor(String name) {
        return new ThreadPoolExecutor(
                0,
                1,
                IDLE_THREAD_SECONDS,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, name);
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
