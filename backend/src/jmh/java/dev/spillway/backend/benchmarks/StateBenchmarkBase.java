package dev.spillway.backend.benchmarks;

import dev.spillway.backend.benchmarks.BackendUnderTest.BackendNotAvailableException;

import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The common frame of the state micro-benchmarks, after apache/flink-benchmarks'
 * {@code StateBenchmarkBase}: one keyed backend with {@code Long} keys per fork, loaded with
 * state before measurement; each operation sets the current key and makes one state call.
 *
 * <h2>Memory: the same for every backend</h2>
 *
 * Spillway and RocksDB get {@value StateSize#BUDGET_MB} MiB of managed memory (off heap). Every
 * fork runs with {@code -Xmx} = {@value #HARNESS_HEAP_MB} MiB for the harness (JMH, the key
 * sequence, value templates) plus the same {@value StateSize#BUDGET_MB} MiB, which is all the
 * room the hashmap backend gets for its state. A backend that cannot load its state in that room
 * fails with an OutOfMemoryError, which is recorded through {@link BenchmarkOutcomes} as the
 * result.
 *
 * <h2>Keys</h2>
 *
 * The keys are {@code 0..keyCount-1}, where the key count follows from {@link StateSize} and the
 * benchmark's payload per key. The keys of the measured operations come from a pre-generated
 * sequence ({@link KeyDistribution}), identical for every backend.
 *
 * <h2>After loading</h2>
 *
 * RocksDB compacts the loaded state before measurement, as apache/flink-benchmarks does, so that
 * the measured reads do not run behind a backlog of background compactions of the load; Spillway
 * waits until its background compaction has caught up with the load (its policy's steady state,
 * up to twelve runs, not one fully compacted run).
 *
 * @param <S> the Flink state type the benchmark exercises
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xmx" + StateBenchmarkBase.FORK_HEAP_MB + "m",
            "-XX:MaxDirectMemorySize=" + StateBenchmarkBase.FORK_DIRECT_MB + "m"
        })
public abstract class StateBenchmarkBase<S extends org.apache.flink.api.common.state.State> {

    static final int HARNESS_HEAP_MB = 128;
    static final int FORK_HEAP_MB = HARNESS_HEAP_MB + StateSize.BUDGET_MB;

    /**
     * Room for the direct buffers of Flink's I/O; managed memory is allocated outside this limit
     * (as unsafe off-heap memory), as in a TaskManager.
     */
    static final int FORK_DIRECT_MB = 128;

    /** Operations before the key sequence repeats; a power of two. */
    private static final int ACCESS_SEQUENCE_LENGTH = 1 << 20;

    private static final int VALUE_TEMPLATES = 1024;
    private static final long SEED = 20261125L;

    @Param({"HEAP", "ROCKSDB", "SPILLWAY", "SPILLWAY_SER"})
    public BackendUnderTest backend;

    @Param({"UNIFORM", "ZIPFIAN"})
    public KeyDistribution distribution;

    @Param({"FITS_BUDGET", "TEN_X_BUDGET"})
    public StateSize stateSize;

    /** The state under test, for the current key set by {@link #nextKey()}. */
    protected S state;

    private KeyedStateBackend<Long> keyedBackend;

    private KeyedBackendFixture fixture;
    private long[] accessKeys;
    private int nextAccess;
    private byte[][] valueTemplates;
    private int nextTemplate;
    private SplittableRandom loadRandom;

    /** See {@link #printGauges()}. */
    static final String PRINT_GAUGES_PROPERTY = "spillway.bench.gauges";

    private static final String COMPACTION_PENDING = "compactionPending";

    private static final String[] GAUGE_DELTAS = {
        "runGets", "blockCacheHits", "blockCacheMisses", "promotions", "spills", "compactions",
        "evictedEntries", "objectTier.hits", "objectTier.evictions", "objectTier.writeBacks"
    };

    private CapturedGauges gauges;
    private final java.util.Map<String, Long> gaugesAtLastPrint = new java.util.HashMap<>();
    private long operationCount;
    private long operationsAtLastPrint;
    private long cpuNanosAtLastPrint;

    @Setup(Level.Trial)
    public final void setUpBackend(BenchmarkParams params) throws Exception {
        int keyCount = keyCount();
        accessKeys = distribution.accessSequence(keyCount, ACCESS_SEQUENCE_LENGTH, SEED);
        loadRandom = new SplittableRandom(SEED);
        valueTemplates = new byte[VALUE_TEMPLATES][];
        for (int i = 0; i < VALUE_TEMPLATES; i++) {
            valueTemplates[i] = randomBytes(valueBytes());
        }
        try {
            gauges = new CapturedGauges();
            fixture =
                    KeyedBackendFixture.open(
                            backend,
                            StateSize.BUDGET_BYTES,
                            new org.apache.flink.configuration.Configuration(),
                            gauges);
            keyedBackend = fixture.keyedBackend();
            StateDescriptor<S, ?> descriptor = stateDescriptor();
            state =
                    keyedBackend.getPartitionedState(
                            VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
            for (long key = 0; key < keyCount; key++) {
                keyedBackend.setCurrentKey(key);
                loadKey();
            }
            if (keyedBackend instanceof RocksDBKeyedStateBackend) {
                ((RocksDBKeyedStateBackend<Long>) keyedBackend).compactState(descriptor);
            } else if (gauges.has(COMPACTION_PENDING)) {
                awaitCompactionBacklog();
            }
        } catch (OutOfMemoryError e) {
            // Drop the state first so that recording the outcome has heap to work with.
            state = null;
            keyedBackend = null;
            fixture = null;
            String outcome =
                    String.format("OOM loading %,d keys (-Xmx%dm)", keyCount, FORK_HEAP_MB);
            BenchmarkOutcomes.record(params, outcome);
            throw e;
        } catch (BackendNotAvailableException e) {
            BenchmarkOutcomes.record(params, "not available on this build");
            throw e;
        }
    }

    /**
     * With {@code -D}{@value #PRINT_GAUGES_PROPERTY}{@code =true} (pass it with {@code
     * -jvmArgsAppend}), prints after every iteration what the backend's gauges counted during it:
     * how many operations reached the runs, blocks and cache hits per such read, promotions.
     */
    /**
     * Waits until Spillway's background compaction has merged the runs the load spilled (the
     * gauge stays 0 for a second), at most two minutes. The load writes far faster than a job
     * does, so without this the first iterations read through two dozen runs while later ones
     * read through a handful, and the error bars said nothing.
     */
    private void awaitCompactionBacklog() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int quietPolls = 0;
        while (quietPolls < 10 && System.nanoTime() < deadline) {
            quietPolls = gauges.value(COMPACTION_PENDING) == 0 ? quietPolls + 1 : 0;
            Thread.sleep(100);
        }
        if (quietPolls < 10) {
            System.out.println("\n[setup] compaction still pending after two minutes; measuring anyway");
        }
    }

    @TearDown(Level.Iteration)
    public final void printGauges() {
        if (!Boolean.getBoolean(PRINT_GAUGES_PROPERTY)) {
            return;
        }
        long operations = operationCount - operationsAtLastPrint;
        operationsAtLastPrint = operationCount;
        // CPU time of this (the benchmark) thread: ops per CPU second hold up on a loaded machine
        // where ops per wall second do not. Iteration fixtures run on the benchmark thread.
        long cpuNanos = java.lang.management.ManagementFactory.getThreadMXBean()
                .getCurrentThreadCpuTime();
        long cpuDelta = cpuNanos - cpuNanosAtLastPrint;
        cpuNanosAtLastPrint = cpuNanos;
        StringBuilder line = new StringBuilder("\n[gauges] ops=" + operations);
        line.append(String.format(java.util.Locale.ROOT, " cpuNanosPerOp=%.0f",
                operations == 0 ? 0.0 : (double) cpuDelta / operations));
        for (String name : GAUGE_DELTAS) {
            long now = gauges.has(name) ? gauges.value(name) : 0;
            Long before = gaugesAtLastPrint.put(name, now);
            line.append(' ').append(name).append("=+").append(now - (before == null ? 0 : before));
        }
        if (gauges.has("blocksReadPerGet") && gauges.has("runGets")) {
            // blocks looked up by point reads that reached the runs (hits and disk reads)
            long blocks = Math.round(gauges.number("blocksReadPerGet").doubleValue()
                    * gauges.value("runGets"));
            Long before = gaugesAtLastPrint.put("runGetBlocks", blocks);
            line.append(" runGetBlocks=+").append(blocks - (before == null ? 0 : before));
        }
        line.append(" runs=").append(gauges.has(".runs") ? gauges.value(".runs") : -1);
        line.append(" entriesInMemory=").append(gauges.has("entriesInMemory") ? gauges.value("entriesInMemory") : -1);
        line.append(" blockCacheBytes=").append(gauges.has("blockCacheBytes") ? gauges.value("blockCacheBytes") : -1);
        System.out.println(line);
    }

    @TearDown(Level.Trial)
    public final void tearDownBackend() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Describes the benchmark's state; registered with the backend before loading. */
    protected abstract StateDescriptor<S, ?> stateDescriptor();

    /** Bytes of one value or element; keys add 8 bytes each. */
    protected abstract int valueBytes();

    /** Raw payload bytes one key holds after loading; sets the key count for a state size. */
    protected abstract int payloadBytesPerKey();

    /** Writes the state of the current key during setup; fresh value arrays for every key. */
    protected abstract void loadKey() throws Exception;

    /** Makes the next key of the access sequence current and returns it. */
    protected final long nextKey() {
        long key = accessKeys[nextAccess];
        keyedBackend.setCurrentKey(key);
        nextAccess = (nextAccess + 1) & (ACCESS_SEQUENCE_LENGTH - 1);
        operationCount++;
        return key;
    }

    /**
     * Keys {@code 0..keyCount()-1} hold state after loading. A function of the parameters only,
     * so subclass setup methods can use it whether JMH runs them before or after loading.
     */
    protected final int keyCount() {
        return stateSize.keyCount(payloadBytesPerKey());
    }

    /**
     * A new value array with random contents, as a job writes a new object per update; random so
     * that no backend gains from compressing the values.
     */
    protected final byte[] newValue() {
        byte[] template = valueTemplates[nextTemplate];
        nextTemplate = (nextTemplate + 1) & (VALUE_TEMPLATES - 1);
        return template.clone();
    }

    /** A value array for loading, with contents of its own. */
    protected final byte[] loadValue() {
        return randomBytes(valueBytes());
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        loadRandom.nextBytes(bytes);
        return bytes;
    }
}
