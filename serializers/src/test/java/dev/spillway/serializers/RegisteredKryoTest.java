package dev.spillway.serializers;

import com.esotericsoftware.kryo.serializers.DefaultSerializers.EnumSetSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.TreeMapSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.TreeSetSerializer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RegisteredKryoTest {

    private final RegisteredKryo kryo = new RegisteredKryo(Object.class, KryoRegistrations.builder().build());

    @Test
    void plainCollectionsMapsAndArraysAreReadThroughTheGuards() {
        assertThat(kryo.getDefaultSerializer(ArrayList.class)).isInstanceOf(GuardedCollectionSerializer.class);
        assertThat(kryo.getDefaultSerializer(LinkedList.class)).isInstanceOf(GuardedCollectionSerializer.class);
        assertThat(kryo.getDefaultSerializer(HashMap.class)).isInstanceOf(GuardedMapSerializer.class);
        assertThat(kryo.getDefaultSerializer(String[][].class)).isInstanceOf(GuardedObjectArraySerializer.class);
    }

    @Test
    void kryosSpecificSerializersAreKept() {
        assertThat(kryo.getDefaultSerializer(TreeMap.class)).isInstanceOf(TreeMapSerializer.class);
        assertThat(kryo.getDefaultSerializer(TreeSet.class)).isInstanceOf(TreeSetSerializer.class);
        assertThat(kryo.getDefaultSerializer(EnumSet.noneOf(TimeUnit.class).getClass()))
                .isInstanceOf(EnumSetSerializer.class);
    }
}
