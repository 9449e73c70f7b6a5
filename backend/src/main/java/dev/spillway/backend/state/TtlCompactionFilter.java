package dev.spillway.backend.state;

import dev.spillway.backend.store.compaction.CompactionFilter;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;
import org.apache.flink.runtime.state.ttl.TtlUtils;

import java.util.Arrays;

/**
 * Drops expired TTL state while the store compacts, as RocksDB's TTL compaction filter does, so
 * state that is never read again does not stay on disk forever.
 *
 * <p>Flink's TTL wrappers store every value as a {@code TtlValue}, serialized by {@code
 * TtlSerializer} (a {@code CompositeSerializer} of the timestamp and then the user value): the
 * first 8 bytes are the last-access timestamp, big-endian, as {@code LongSerializer} writes it. The
 * filter reads those 8 bytes where the state kind puts them and never deserializes the user value:
 *
 * <pre>
 *   value, reducing, aggregating state:  [timestamp: 8][user value]
 *   map state, per user key:             [null flag: 1][timestamp: 8][user value]
 * </pre>
 *
 * <p>A state is filtered when its descriptor enables TTL and its cleanup strategies say {@code
 * inRocksdbCompactFilter()}: the strategy Flink already defines for compaction-time cleanup, and on
 * by default in Flink 2.x ({@code cleanupInBackground}). An entry is dropped when {@code timestamp +
 * ttl <= now}, with Flink's own overflow-safe {@link TtlUtils#expired} and the backend's {@link
 * TtlTimeProvider}, so the filter agrees exactly with what a read would return.
 *
 * <p>List state is left alone: its elements carry one timestamp each inside one stored value, and a
 * drop-only filter cannot rewrite the list to remove some of them. Expired list elements are
 * removed by Flink's other cleanups (on read, incremental, full snapshot).
 *
 * <p>States register on the task thread and the filter runs on the compaction thread: the per-state
 * settings live in a copy-on-write array published through a volatile field, so the compaction
 * thread reads without locking and registration (rare) pays the copy.
 */
public final class TtlCompactionFilter implements CompactionFilter {

    private static final int TIMESTAMP_BYTES = Long.BYTES;

    /** The map state's null flag before the serialized {@code TtlValue}. */
    private static final int MAP_VALUE_OFFSET = 1;

    private final TtlTimeProvider timeProvider;

    /** Expiry settings by state id; {@code null} for a state without compaction cleanup. */
    private volatile Expiry[] byStateId = new Expiry[0];

    public TtlCompactionFilter(TtlTimeProvider timeProvider) {
        this.timeProvider = timeProvider;
    }

    /**
     * Installs or clears the filtering of one state from its descriptor: a state registered again
     * with a different TTL configuration is filtered by the new one.
     */
    synchronized void configure(int stateId, StateDescriptor<?, ?> descriptor) {
        Expiry expiry = expiryOf(descriptor);
        Expiry[] current = byStateId;
        if (expiry == null && stateId >= current.length) {
            return;
        }
        Expiry[] next = Arrays.copyOf(current, Math.max(current.length, stateId + 1));
        next[stateId] = expiry;
        byStateId = next;
    }

    private static Expiry expiryOf(StateDescriptor<?, ?> descriptor) {
        StateTtlConfig ttlConfig = descriptor.getTtlConfig();
        if (!ttlConfig.isEnabled() || !ttlConfig.getCleanupStrategies().inRocksdbCompactFilter()) {
            return null;
        }
        long ttlMillis = ttlConfig.getTimeToLive().toMillis();
        switch (descriptor.getType()) {
            case VALUE:
            case REDUCING:
            case AGGREGATING:
                return new Expiry(0, ttlMillis);
            case MAP:
                return new Expiry(MAP_VALUE_OFFSET, ttlMillis);
            default:
                // Lists: see the class comment.
                return null;
        }
    }

    @Override
    public boolean drop(byte[] key, byte[] value) {
        Expiry[] expiries = byStateId;
        int stateId = CompositeKey.stateId(key);
        if (stateId >= expiries.length) {
            return false;
        }
        Expiry expiry = expiries[stateId];
        return expiry != null && expiry.expired(value, timeProvider.currentTimestamp());
    }

    /** Where a state's values keep their timestamp, and how long they live. */
    private static final class Expiry {

        private final int timestampOffset;
        private final long ttlMillis;

        Expiry(int timestampOffset, long ttlMillis) {
            this.timestampOffset = timestampOffset;
            this.ttlMillis = ttlMillis;
        }

        boolean expired(byte[] value, long now) {
            if (value.length < timestampOffset + TIMESTAMP_BYTES) {
                // Not a TtlValue (cannot happen for a TTL state): keeping is the safe answer.
                return false;
            }
            if (timestampOffset == MAP_VALUE_OFFSET && value[0] != 0) {
                // A null map value carries no timestamp.
                return false;
            }
            return TtlUtils.expired(readTimestamp(value, timestampOffset), ttlMillis, now);
        }

        private static long readTimestamp(byte[] bytes, int offset) {
            long timestamp = 0;
            for (int i = 0; i < TIMESTAMP_BYTES; i++) {
                timestamp = (timestamp << 8) | (bytes[offset + i] & 0xFF);
            }
            return timestamp;
        }
    }
}
