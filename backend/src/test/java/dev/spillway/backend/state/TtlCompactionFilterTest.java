package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.ttl.TtlStateFactory.TtlSerializer;
import org.apache.flink.runtime.state.ttl.TtlValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The TTL filter on bytes written by Flink's own {@code TtlSerializer}. */
class TtlCompactionFilterTest {

    private static final long TTL = 100;

    private long now;
    private final TtlCompactionFilter filter = new TtlCompactionFilter(() -> now);

    @Test
    void dropsAValueExactlyWhenItsTimestampPlusTtlIsReached() throws IOException {
        filter.configure(3, withTtl(new ValueStateDescriptor<>("v", StringSerializer.INSTANCE)));
        byte[] value = ttlValue(1_000, "payload");

        now = 1_000 + TTL - 1;
        assertThat(filter.drop(key(3), value)).isFalse();
        now = 1_000 + TTL;
        assertThat(filter.drop(key(3), value)).isTrue();
    }

    @Test
    void readsTheMapTimestampAfterTheNullFlagAndKeepsNullValues() throws IOException {
        filter.configure(
                1,
                withTtl(
                        new MapStateDescriptor<>(
                                "m", StringSerializer.INSTANCE, StringSerializer.INSTANCE)));
        byte[] ttlValue = ttlValue(5, "x");
        byte[] mapValue = new byte[ttlValue.length + 1];
        System.arraycopy(ttlValue, 0, mapValue, 1, ttlValue.length);

        now = 5 + TTL - 1;
        assertThat(filter.drop(key(1), mapValue)).isFalse();
        now = 5 + TTL;
        assertThat(filter.drop(key(1), mapValue)).isTrue();
        assertThat(filter.drop(key(1), new byte[] {1})).isFalse();
    }

    @Test
    void ignoresStatesWithoutTtlOrCompactionCleanupAndLists() throws IOException {
        filter.configure(0, new ValueStateDescriptor<>("plain", StringSerializer.INSTANCE));
        ValueStateDescriptor<String> noBackgroundCleanup =
                new ValueStateDescriptor<>("no-cleanup", StringSerializer.INSTANCE);
        noBackgroundCleanup.enableTimeToLive(
                StateTtlConfig.newBuilder(Duration.ofMillis(TTL))
                        .disableCleanupInBackground()
                        .build());
        filter.configure(1, noBackgroundCleanup);
        filter.configure(2, withTtl(new ListStateDescriptor<>("list", StringSerializer.INSTANCE)));
        byte[] expired = ttlValue(0, "old");
        now = 10 * TTL;

        for (int stateId = 0; stateId <= 2; stateId++) {
            assertThat(filter.drop(key(stateId), expired)).as("state %d", stateId).isFalse();
        }
        assertThat(filter.drop(key(7), expired)).as("unregistered state").isFalse();
    }

    @Test
    void stopsFilteringAStateRegisteredAgainWithoutTtl() throws IOException {
        filter.configure(0, withTtl(new ValueStateDescriptor<>("v", StringSerializer.INSTANCE)));
        byte[] expired = ttlValue(0, "old");
        now = 10 * TTL;
        assertThat(filter.drop(key(0), expired)).isTrue();

        filter.configure(0, new ValueStateDescriptor<>("v", StringSerializer.INSTANCE));
        assertThat(filter.drop(key(0), expired)).isFalse();
    }

    private static <S extends StateDescriptor<?, ?>> S withTtl(S descriptor) {
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(TTL)).build());
        return descriptor;
    }

    private static byte[] ttlValue(long timestamp, String userValue) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        new TtlSerializer<>(LongSerializer.INSTANCE, StringSerializer.INSTANCE)
                .serialize(new TtlValue<>(userValue, timestamp), out);
        return out.getCopyOfBuffer();
    }

    private static byte[] key(int stateId) {
        byte[] key = new byte[CompositeKey.STATE_PREFIX_BYTES + 4];
        CompositeKey.writeStatePrefix(key, 0, stateId);
        return key;
    }
}
