package dev.spillway.examples.bench;

import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.ParameterTool;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The job benchmark's size and memory configuration, shared by the parent (which forks one JVM
 * per backend with the same settings) and the child that runs the job.
 *
 * <pre>
 * --backends L            backends to compare, in order   (default hashmap,rocksdb,spillway)
 * --keys N                distinct keys                    (default 1500000)
 * --events N              records                          (default 3000000)
 * --managed-memory S      managed memory of the TaskManager (default 32m)
 * --heap S                JVM heap, -Xmx                   (default 512m)
 * --direct-memory S       -XX:MaxDirectMemorySize          (default 256m)
 * --metaspace S           -XX:MaxMetaspaceSize             (default 256m)
 * --checkpoint-interval D                                  (default 2s)
 * --max-duration D        per backend; a run still going then is stopped and
 *                         measured up to there              (default 60s)
 * </pre>
 */
final class JobBenchmarkSettings {

    /** Flink's minimum JVM overhead (taskmanager.memory.jvm-overhead.min): stacks, code, GC. */
    static final MemorySize JVM_OVERHEAD = MemorySize.parse("192m");

    static final String SPILLWAY_FACTORY = "dev.spillway.backend.SpillwayStateBackendFactory";

    List<String> backends = List.of("hashmap", "rocksdb", "spillway");
    long keys = 1_500_000;
    long events = 3_000_000;
    MemorySize managedMemory = MemorySize.parse("32m");
    MemorySize heap = MemorySize.parse("512m");
    MemorySize directMemory = MemorySize.parse("256m");
    MemorySize metaspace = MemorySize.parse("256m");
    Duration checkpointInterval = Duration.ofSeconds(2);
    Duration maxDuration = Duration.ofSeconds(60);

    static JobBenchmarkSettings from(ParameterTool params) {
        JobBenchmarkSettings s = new JobBenchmarkSettings();
        if (params.has("backends")) {
            s.backends = Arrays.asList(params.get("backends").split(","));
        }
        s.keys = params.getLong("keys", s.keys);
        s.events = params.getLong("events", s.events);
        s.managedMemory = memory(params, "managed-memory", s.managedMemory);
        s.heap = memory(params, "heap", s.heap);
        s.directMemory = memory(params, "direct-memory", s.directMemory);
        s.metaspace = memory(params, "metaspace", s.metaspace);
        s.checkpointInterval = duration(params, "checkpoint-interval", s.checkpointInterval);
        s.maxDuration = duration(params, "max-duration", s.maxDuration);
        if (s.keys < 1 || s.events < 1) {
            throw new IllegalArgumentException("--keys and --events must be positive");
        }
        for (String backend : s.backends) {
            stateBackendType(backend);
        }
        return s;
    }

    /** The {@code state.backend.type} of a backend name. */
    static String stateBackendType(String backend) {
        switch (backend) {
            case "hashmap":
            case "rocksdb":
                return backend;
            case "spillway":
                return SPILLWAY_FACTORY;
            default:
                throw new IllegalArgumentException(
                        "Unknown backend '" + backend + "': use hashmap, rocksdb or spillway");
        }
    }

    /** Whether a backend's classes are part of this build. */
    static boolean isAvailable(String backend) {
        if (!"spillway".equals(backend)) {
            return true;
        }
        try {
            Class.forName(SPILLWAY_FACTORY, false, JobBenchmarkSettings.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The JVM options of every child: the same memory for every backend. */
    List<String> jvmOptions() {
        return List.of(
                "-Xms" + megabytes(heap),
                "-Xmx" + megabytes(heap),
                "-XX:MaxDirectMemorySize=" + megabytes(directMemory),
                "-XX:MaxMetaspaceSize=" + megabytes(metaspace));
    }

    /** The child's arguments for one backend. */
    List<String> childArguments(String backend) {
        return List.of(
                "--backend", backend,
                "--keys", Long.toString(keys),
                "--events", Long.toString(events),
                "--managed-memory", megabytes(managedMemory),
                "--checkpoint-interval", checkpointInterval.toMillis() + "ms",
                "--max-duration", maxDuration.toMillis() + "ms");
    }

    /**
     * The process memory this configuration gives the JVM, counted as Flink counts a
     * TaskManager's: heap, direct (off-heap and network), metaspace, managed memory and JVM
     * overhead.
     */
    long processMemoryBytes() {
        return heap.getBytes()
                + directMemory.getBytes()
                + metaspace.getBytes()
                + managedMemory.getBytes()
                + JVM_OVERHEAD.getBytes();
    }

    String describe() {
        return String.format(
                Locale.ROOT,
                "%,d records over %,d keys, at most %d s per backend; JVM %s; managed memory %s;"
                        + " checkpoint every %d ms;"
                        + " process memory %d MiB (heap + direct + metaspace + managed + %s JVM"
                        + " overhead)",
                events,
                keys,
                maxDuration.toSeconds(),
                String.join(" ", jvmOptions()),
                megabytes(managedMemory),
                checkpointInterval.toMillis(),
                processMemoryBytes() >> 20,
                megabytes(JVM_OVERHEAD));
    }

    private static String megabytes(MemorySize size) {
        return size.getMebiBytes() + "m";
    }

    private static MemorySize memory(ParameterTool params, String key, MemorySize fallback) {
        return params.has(key) ? MemorySize.parse(params.get(key)) : fallback;
    }

    private static Duration duration(ParameterTool params, String key, Duration fallback) {
        return params.has(key)
                ? org.apache.flink.util.TimeUtils.parseDuration(params.get(key))
                : fallback;
    }
}
