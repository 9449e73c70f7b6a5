package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.KeyHash;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The builder reuses the row it holds and the namespace it serialized last; every key it returns
 * must still be the one a builder without that memory builds.
 */
class StateKeyBuilderTest {

    @Test
    void reusedRowsAndHashesEqualFreshlyBuiltOnes() {
        Random random = new Random(9);
        StateKeyBuilder<Long> builder = new StateKeyBuilder<>(LongSerializer.INSTANCE);
        // Equal namespaces as distinct objects, and the same value under two serializers.
        String[] namespaces = {"w1", new String("w1"), "window-2", ""};
        long key = 0;
        int keyGroup = 0;
        builder.setCurrentKey(key, keyGroup);
        for (int step = 0; step < 5_000; step++) {
            int action = random.nextInt(10);
            if (action == 0) {
                key = random.nextInt(50);
                keyGroup = random.nextInt(128);
                builder.setCurrentKey(key, keyGroup);
                continue;
            }
            int stateId = random.nextInt(3);
            StateKeyBuilder<Long> fresh = new StateKeyBuilder<>(LongSerializer.INSTANCE);
            fresh.setCurrentKey(key, keyGroup);
            int length;
            int expectedLength;
            if (action < 3) {
                Integer namespace = random.nextInt(3);
                length = builder.buildRow(stateId, namespace, IntSerializer.INSTANCE);
                expectedLength = fresh.buildRow(stateId, namespace, IntSerializer.INSTANCE);
            } else {
                String namespace = namespaces[random.nextInt(namespaces.length)];
                TypeSerializer<String> serializer = StringSerializer.INSTANCE;
                if (action < 7) {
                    length = builder.buildRow(stateId, namespace, serializer);
                    expectedLength = fresh.buildRow(stateId, namespace, serializer);
                    assertThat(builder.rowHash())
                            .isEqualTo(KeyHash.hash32(fresh.buffer(), expectedLength));
                } else {
                    long userKey = random.nextInt(4);
                    length =
                            builder.buildMapEntry(
                                    stateId, namespace, serializer, userKey, LongSerializer.INSTANCE);
                    expectedLength =
                            fresh.buildMapEntry(
                                    stateId, namespace, serializer, userKey, LongSerializer.INSTANCE);
                }
            }
            assertThat(Arrays.copyOf(builder.buffer(), length))
                    .as("step %d", step)
                    .isEqualTo(Arrays.copyOf(fresh.buffer(), expectedLength));
        }
    }
}
