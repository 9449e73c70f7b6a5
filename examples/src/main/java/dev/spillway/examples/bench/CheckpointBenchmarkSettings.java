package dev.spillway.examples.bench;

import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.util.TimeUtils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The checkpoint benchmark's size and memory configuration, shared by the parent (which forks one
 * JVM per backend with the same settings) and the child that runs the jobs.
 *
 * <pre>
 * --backends L            backends to compare, in order
 *                         (default spillway-incremental,spillway-full,rocksdb-incremental,hashmap)
 * --keys N                distinct keys, all written first         (default 350000)
 * --value-size N          bytes of incompressible value per key    (default 320)
 * --update-rate N         updates per second after loading          (default 5000)
 * --managed-memory S      managed memory of the TaskManager, shared by its
 *                         3 slots                                   (default 16m)
 * --heap S                JVM heap, -Xmx                             (default 1g)
 * --direct-memory S       -XX:MaxDirectMemorySize                    (default 512m)
 * --checkpoint-interval D                                            (default 1s)
 * --measure D             how long checkpoints are measured after loading (default 20s)
 * --max-duration D        per backend; a run still going then is killed (default 10min)
 * --upload-log            print what each checkpoint uploaded: the new files in checkpoint
 *                         storage's shared directory, and Spillway's upload summary
 * </pre>
 */
final class CheckpointBenchmarkSettings {

    static final String SPILLWAY_FACTORY = JobBenchmarkSettings.SPILLWAY_FACTORY;

    /** Parallelism of the keyed operator before and after rescaling. */
    static final int PARALLELISM = 2;

    static final int RESCALED_PARALLELISM = 3;

    private static final double MIB = 1024 * 1024;

    List<String> backends =
            List.of("spillway-incremental", "spillway-full", "rocksdb-incremental", "hashmap");
    long keys = 350_000;
    int valueSize = 320;
    int updateRate = 5_000;
    MemorySize managedMemory = MemorySize.parse("16m");
    MemorySize heap = MemorySize.parse("1g");
    MemorySize directMemory = MemorySize.parse("512m");
    Duration checkpointInterval = Duration.ofSeconds(1);
    Duration measure = Duration.ofSeconds(20);
    Duration maxDuration = Duration.ofMinutes(10);
    /**
     * Print what each checkpoint uploaded: the new files in checkpoint storage's shared directory,
     * and Spillway's per-checkpoint upload summary (its debug log).
     */
    boolean uploadLog;

    static CheckpointBenchmarkSettings from(ParameterTool params) {
        CheckpointBenchmarkSettings s = new CheckpointBenchmarkSettings();
        if (params.has("backends")) {
            s.backends = Arrays.asList(params.get("backends").split(","));
        }
        s.keys = params.getLong("keys", s.keys);
        s.valueSize = params.getInt("value-size", s.valueSize);
        s.updateRate = params.getInt("update-rate", s.updateRate);
        s.managedMemory = memory(params, "managed-memory", s.managedMemory);
        s.heap = memory(params, "heap", s.heap);
        s.directMemory = memory(params, "direct-memory", s.directMemory);
        s.checkpointInterval = duration(params, "checkpoint-interval", s.checkpointInterval);
        s.measure = duration(params, "measure", s.measure);
        s.maxDuration = duration(params, "max-duration", s.maxDuration);
        s.uploadLog = params.has("upload-log");
        if (s.keys < 1 || s.valueSize < 8 || s.updateRate < 1) {
            throw new IllegalArgumentException(
                    "--keys and --update-rate must be positive, --value-size at least 8");
        }
        for (String backend : s.backends) {
            Backend.of(backend);
        }
        return s;
    }

    /**
     * A backend of the comparison: Flink's state backend type and whether checkpoints are
     * incremental.
     */
    record Backend(String name, String stateBackendType, boolean incremental) {

        static Backend of(String name) {
            switch (name) {
                case "spillway-incremental":
                    return new Backend(name, SPILLWAY_FACTORY, true);
                case "spillway-full":
                    return new Backend(name, SPILLWAY_FACTORY, false);
                case "rocksdb-incremental":
                    return new Backend(name, "rocksdb", true);
                case "rocksdb-full":
                    return new Backend(name, "rocksdb", false);
                case "hashmap":
                    return new Backend(name, "hashmap", false);
                default:
                    throw new IllegalArgumentException(
                            "Unknown backend '"
                                    + name
                                    + "': use spillway-incremental, spillway-full,"
                                    + " rocksdb-incremental, rocksdb-full or hashmap");
            }
        }

        boolean isSpillway() {
            return SPILLWAY_FACTORY.equals(stateBackendType);
        }
    }

    /** The raw payload of the state: key and value bytes, without any backend's overhead. */
    long payloadBytes() {
        return keys * (Long.BYTES + (long) valueSize);
    }

    List<String> jvmOptions() {
        return List.of(
                "-Xms" + megabytes(heap),
                "-Xmx" + megabytes(heap),
                "-XX:MaxDirectMemorySize=" + megabytes(directMemory));
    }

    List<String> childArguments(String backend) {
        List<String> arguments = new ArrayList<>(List.of(
                "--backend",
                backend,
                "--keys",
                Long.toString(keys),
                "--value-size",
                Integer.toString(valueSize),
                "--update-rate",
                Integer.toString(updateRate),
                "--managed-memory",
                megabytes(managedMemory),
                "--checkpoint-interval",
                checkpointInterval.toMillis() + "ms",
                "--measure",
                measure.toMillis() + "ms",
                "--max-duration",
                maxDuration.toMillis() + "ms"));
        if (uploadLog) {
            arguments.add("--upload-log");
        }
        return arguments;
    }

    /** The managed memory of one slot: the TaskManager's, split evenly over its slots. */
    long managedMemoryPerSlotBytes() {
        return managedMemory.getBytes() / RESCALED_PARALLELISM;
    }

    String describe() {
        return String.format(
                Locale.ROOT,
                "%,d keys x %d-byte values (%.0f MiB of payload, %.1fx the %.1f MiB of managed"
                        + " memory of the job's %d slots; %s for the TaskManager's %d slots);"
                        + " %,d updates/s after loading; checkpoint every %d ms, measured for %d s;"
                        + " rescale %d -> %d; JVM %s",
                keys,
                valueSize,
                payloadBytes() / MIB,
                payloadBytes() / (double) (PARALLELISM * managedMemoryPerSlotBytes()),
                PARALLELISM * managedMemoryPerSlotBytes() / MIB,
                PARALLELISM,
                megabytes(managedMemory),
                RESCALED_PARALLELISM,
                updateRate,
                checkpointInterval.toMillis(),
                measure.toSeconds(),
                PARALLELISM,
                RESCALED_PARALLELISM,
                String.join(" ", jvmOptions()));
    }

    private static String megabytes(MemorySize size) {
        return size.getMebiBytes() + "m";
    }

    private static MemorySize memory(ParameterTool params, String key, MemorySize fallback) {
        return params.has(key) ? MemorySize.parse(params.get(key)) : fallback;
    }

    private static Duration duration(ParameterTool params, String key, Duration fallback) {
        return params.has(key) ? TimeUtils.parseDuration(params.get(key)) : fallback;
    }
}
