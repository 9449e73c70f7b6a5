package dev.spillway.examples.bench;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ParameterTool;

/**
 * Many event-time timers in a small slot: one timer per element, all pending until the input ends
 * (by default), then every one fires; the job counts per key how many fired and whether in
 * timestamp order, and the run prints one line with the elapsed time, the counts, and the peak
 * resident memory of the JVM.
 *
 * <pre>
 * mvn -q -pl examples -am -DskipTests -Prun-example verify \
 *     -Dexample.mainClass=dev.spillway.examples.bench.TimerBenchmark \
 *     -Dexample.args="--backend spillway --timers 10000000 --managed-memory 8m"
 * </pre>
 *
 * <p>Flags: {@code --backend} spillway (timers in the store), spillway-heap ({@code
 * spillway.timer-service.factory: HEAP}), rocksdb (its default, timers in RocksDB) or hashmap;
 * {@code --timers} (10,000,000); {@code --keys} (100,000); {@code --managed-memory} (8m); {@code
 * --delay}: how far after its element's timestamp a timer fires (default: the number of timers, so
 * that all are pending at the end of the input).
 */
public final class TimerBenchmark {

    private TimerBenchmark() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        String backend = params.get("backend", "spillway");
        long timers = params.getLong("timers", 10_000_000L);
        long keys = params.getLong("keys", 100_000L);
        long delay = params.getLong("delay", timers);
        MemorySize managed = MemorySize.parse(params.get("managed-memory", "8m"));

        Configuration config = new Configuration();
        config.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, managed);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        switch (backend) {
            case "spillway":
            case "spillway-heap":
                config.set(
                        StateBackendOptions.STATE_BACKEND,
                        JobBenchmarkSettings.stateBackendType("spillway"));
                config.setString(
                        "spillway.timer-service.factory",
                        backend.equals("spillway") ? "SPILLWAY" : "HEAP");
                break;
            default:
                config.set(
                        StateBackendOptions.STATE_BACKEND,
                        JobBenchmarkSettings.stateBackendType(backend));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, config);

        long start = System.nanoTime();
        long fired = 0;
        long reports = 0;
        long disorder = 0;
        try (CloseableIterator<long[]> results =
                env.fromSequence(0, timers - 1)
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Long>forMonotonousTimestamps()
                                        .withTimestampAssigner((value, previous) -> value))
                        .keyBy(value -> value % keys, Types.LONG)
                        .process(new TimerPerElement(delay, keys))
                        .returns(long[].class)
                        .executeAndCollect("spillway-timer-benchmark-" + backend)) {
            while (results.hasNext()) {
                long[] report = results.next();
                reports++;
                fired += report[1];
                disorder += report[2];
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakRss = PeakResidentMemory.bytes().orElse(-1);
        System.out.printf(
                "TIMERS backend=%s timers=%d keys=%d managed=%s seconds=%.1f fired=%d"
                        + " keysReporting=%d outOfOrder=%d peakRssMiB=%d everyTimerOnce=%s%n",
                backend,
                timers,
                keys,
                managed.toHumanReadableString(),
                seconds,
                fired,
                reports,
                disorder,
                peakRss >> 20,
                fired == timers && reports == keys && disorder == 0);
        // The MiniCluster leaves non-daemon threads behind; the measurement is out.
        System.exit(fired == timers && reports == keys && disorder == 0 ? 0 : 1);
    }

    /**
     * One timer per element at its timestamp plus the delay, and one at the end of time that
     * reports, per key, how many timers fired and how many out of timestamp order.
     */
    private static final class TimerPerElement extends KeyedProcessFunction<Long, Long, long[]> {

        private final long delay;
        private final long keys;
        private transient ValueState<Long> fired;
        private transient ValueState<Long> lastFired;
        private transient ValueState<Long> outOfOrder;

        TimerPerElement(long delay, long keys) {
            this.delay = delay;
            this.keys = keys;
        }

        @Override
        public void open(OpenContext openContext) {
            fired = getRuntimeContext().getState(new ValueStateDescriptor<>("fired", Types.LONG));
            lastFired =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("last-fired", Types.LONG));
            outOfOrder =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("out-of-order", Types.LONG));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<long[]> out) {
            ctx.timerService().registerEventTimeTimer(value + delay);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<long[]> out)
                throws Exception {
            long count = fired.value() == null ? 0 : fired.value();
            long disorder = outOfOrder.value() == null ? 0 : outOfOrder.value();
            if (timestamp == Long.MAX_VALUE) {
                out.collect(new long[] {ctx.getCurrentKey(), count, disorder});
                return;
            }
            Long last = lastFired.value();
            if ((last != null && timestamp <= last)
                    || Long.remainderUnsigned(timestamp - delay, keys) != ctx.getCurrentKey()) {
                outOfOrder.update(disorder + 1);
            }
            lastFired.update(timestamp);
            fired.update(count + 1);
        }
    }
}
