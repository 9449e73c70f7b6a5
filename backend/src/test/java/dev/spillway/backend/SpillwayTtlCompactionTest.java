package dev.spillway.backend;

import dev.spillway.backend.config.StateOptions;
import dev.spillway.backend.state.StorageLevel;

import dev.spillway.backend.store.SpillableStore;
import dev.spillway.backend.store.StoreCursor;
import dev.spillway.backend.store.entry.CompositeKey;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Expired TTL state is physically removed when the store compacts: Flink's TTL wrappers over a
 * spilling store, a manual clock, a full compaction, then a look at what the store still holds.
 */
class SpillwayTtlCompactionTest {

    private static final long TTL_MILLIS = 100;
    private static final int NUMBER_OF_KEY_GROUPS = 16;
    private static final List<String> STATE_NAMES = List.of("value", "map", "list", "plain");
    private static final int OLD_KEYS = 1_500;
    private static final int FRESH_KEYS = 200;
    private static final String PADDING = "x".repeat(200);

    /** Read by the compaction thread. */
    private volatile long now;
    private FixedBudgetStoreFactory storeFactory;
    private SpillwayKeyedStateBackend<Integer> backend;

    private ValueState<String> value;
    private MapState<Integer, String> map;
    private ListState<String> list;
    private ValueState<String> plain;

    @BeforeEach
    void createBackend() throws Exception {
        storeFactory = new FixedBudgetStoreFactory(288 * 1024, 4 * 1024);
        // Serialized values only: the test counts the entries in the store, which the object
        // tier would hold back until a checkpoint.
        Configuration serialized = new Configuration();
        serialized.set(StateOptions.STORAGE_LEVEL, StorageLevel.MEMORY_AND_DISK_SER);
        backend =
                KeyedBackends.create(
                        new SpillwayStateBackend(storeFactory)
                                .configure(serialized, getClass().getClassLoader()),
                        () -> now,
                        IntSerializer.INSTANCE,
                        NUMBER_OF_KEY_GROUPS,
                        new KeyGroupRange(0, NUMBER_OF_KEY_GROUPS - 1),
                        Collections.emptyList());
        value = state(withTtl(new ValueStateDescriptor<>("value", StringSerializer.INSTANCE)));
        map =
                state(
                        withTtl(
                                new MapStateDescriptor<>(
                                        "map", IntSerializer.INSTANCE, StringSerializer.INSTANCE)));
        list = state(withTtl(new ListStateDescriptor<>("list", StringSerializer.INSTANCE)));
        plain = state(new ValueStateDescriptor<>("plain", StringSerializer.INSTANCE));
    }

    @AfterEach
    void disposeBackend() {
        backend.dispose();
    }

    @Test
    void fullCompactionRemovesExpiredValueAndMapEntriesAndKeepsLiveOnes() throws Exception {
        now = 0;
        for (int key = 0; key < OLD_KEYS; key++) {
            backend.setCurrentKey(key);
            value.update("old" + PADDING);
            map.put(0, "old" + PADDING);
            list.add("old");
            plain.update("plain" + PADDING);
        }
        // Nothing has expired while writing, so background compactions keep everything so far.
        now = TTL_MILLIS / 2;
        for (int key = 0; key < FRESH_KEYS; key++) {
            backend.setCurrentKey(key);
            map.put(1, "fresh" + PADDING);
        }
        for (int key = OLD_KEYS; key < OLD_KEYS + FRESH_KEYS; key++) {
            backend.setCurrentKey(key);
            value.update("fresh" + PADDING);
        }
        SpillableStore store = storeFactory.lastOpened();
        assertThat(store.evictedEntries()).as("the state must have spilled").isPositive();
        assertThat(storedEntries(store, "value")).isEqualTo(OLD_KEYS + FRESH_KEYS);
        assertThat(storedEntries(store, "map")).isEqualTo(OLD_KEYS + FRESH_KEYS);

        // The old entries expired at 100; the fresh ones expire at 150.
        now = TTL_MILLIS / 2 + TTL_MILLIS - 1;
        store.compactFully();

        // Entries still in memory were not part of the merge, so some old ones may remain; the
        // budget holds far fewer than half of them.
        assertThat(storedEntries(store, "value") - FRESH_KEYS).isBetween(0L, (long) OLD_KEYS / 2);
        assertThat(storedEntries(store, "map") - FRESH_KEYS).isBetween(0L, (long) OLD_KEYS / 2);
        // Lists and states without TTL are never filtered.
        assertThat(storedEntries(store, "list")).isEqualTo(OLD_KEYS);
        assertThat(storedEntries(store, "plain")).isEqualTo(OLD_KEYS);

        for (int key = 0; key < OLD_KEYS + FRESH_KEYS; key++) {
            backend.setCurrentKey(key);
            boolean freshValue = key >= OLD_KEYS;
            boolean freshMapEntry = key < FRESH_KEYS;
            assertThat(value.value()).isEqualTo(freshValue ? "fresh" + PADDING : null);
            assertThat(map.get(1)).isEqualTo(freshMapEntry ? "fresh" + PADDING : null);
            assertThat(map.get(0)).isNull();
            assertThat(list.get()).isEmpty();
            assertThat(plain.value()).isEqualTo(key < OLD_KEYS ? "plain" + PADDING : null);
        }
    }

    /** The entries of a state that the store holds, expired or not, read past the TTL wrappers. */
    private long storedEntries(SpillableStore store, String stateName) throws IOException {
        // The registry numbers states in registration order: see createBackend.
        int stateId = STATE_NAMES.indexOf(stateName);
        byte[] prefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
        long entries = 0;
        for (int keyGroup = 0; keyGroup < NUMBER_OF_KEY_GROUPS; keyGroup++) {
            CompositeKey.writeStatePrefix(prefix, keyGroup, stateId);
            try (StoreCursor cursor = store.scan(prefix, prefix.length)) {
                while (cursor.next()) {
                    entries++;
                }
            }
        }
        return entries;
    }

    private static <S extends StateDescriptor<?, ?>> S withTtl(S descriptor) {
        descriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(Duration.ofMillis(TTL_MILLIS)).build());
        return descriptor;
    }

    private <S extends org.apache.flink.api.common.state.State> S state(
            StateDescriptor<S, ?> descriptor) throws Exception {
        return backend.getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }
}
