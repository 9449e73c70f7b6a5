package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KryoRegistrationsTest {

    @Test
    void declarationOrderDoesNotMatter() {
        KryoRegistrations forward =
                KryoRegistrations.builder()
                        .register(Person.class, 10)
                        .register(Address.class, 11)
                        .register(ArrayList.class, 12)
                        .register(Employee.class, 13)
                        .build();
        assertThat(TestRegistrations.CURRENT).isEqualTo(forward);
        assertThat(TestRegistrations.CURRENT.hashCode()).isEqualTo(forward.hashCode());
        assertThat(TestRegistrations.CURRENT.registrations())
                .extracting(KryoRegistration::id)
                .containsExactly(10, 11, 12, 13);
    }

    @Test
    void anIdBelongsToOneClassAndAClassToOneId() {
        assertThatThrownBy(
                        () -> KryoRegistrations.builder().register(Person.class, 10).register(Address.class, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Id 10 is already taken by " + Person.class.getName())
                .hasMessageContaining("next free one is 11");
        assertThatThrownBy(
                        () -> KryoRegistrations.builder().register(Person.class, 10).register(Person.class, 11))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already registered with id 10");
    }

    @Test
    void idsOutsideTheUserRangeAndBuiltInsAreRejected() {
        assertThatThrownBy(() -> KryoRegistrations.builder().register(Person.class, 9))
                .hasMessageContaining("user ids go from 10");
        assertThatThrownBy(() -> KryoRegistrations.builder().register(Person.class, 1 << 20))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> KryoRegistrations.builder().register(String.class, 10))
                .hasMessageContaining("registered by Kryo itself");
        assertThatThrownBy(() -> KryoRegistrations.builder().register(Long.class, 10))
                .hasMessageContaining("registered by Kryo itself");
    }

    /** Needs a (Kryo) or similar constructor; this one takes a String. */
    public static final class UnusableSerializer extends Serializer<Address> {
        public UnusableSerializer(String unused) {}

        @Override
        public void write(Kryo kryo, Output output, Address object) {}

        @Override
        public Address read(Kryo kryo, Input input, Class<? extends Address> type) {
            return null;
        }
    }

    @Test
    void aSerializerKryoCannotCreateIsRejectedWhenDeclared() {
        assertThatThrownBy(
                        () -> KryoRegistrations.builder().register(Address.class, 11, UnusableSerializer.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(UnusableSerializer.class.getName())
                .hasMessageContaining("needs a public constructor");
    }

    @Test
    void registrationsSurviveJavaSerialization() throws Exception {
        KryoRegistrations copy =
                InstantiationUtil.clone(TestRegistrations.CURRENT, getClass().getClassLoader());
        assertThat(copy).isEqualTo(TestRegistrations.CURRENT);
        assertThat(copy.registrations().get(0).type()).isEqualTo(Person.class);
        assertThat(copy.nextFreeId()).isEqualTo(14);
    }
}
