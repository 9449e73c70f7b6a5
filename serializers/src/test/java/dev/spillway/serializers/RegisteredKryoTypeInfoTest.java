package dev.spillway.serializers;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/** Both ways a user binds a type to the registered Kryo serializer. */
class RegisteredKryoTypeInfoTest {

    @Test
    void theAnnotationMakesFlinkUseTheSerializerForRecordsAndState() {
        TypeInformation<Person> typeInfo = TypeInformation.of(Person.class);
        assertThat(typeInfo).isEqualTo(new RegisteredKryoTypeInfo<>(Person.class, TestRegistrations.CURRENT));
        assertThat(typeInfo.createSerializer(new SerializerConfigImpl()))
                .isEqualTo(new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT));

        // Generic types disabled: proves the type never falls back to Flink's Kryo path.
        ExecutionConfig config = new ExecutionConfig();
        Configuration noGenerics = new Configuration();
        noGenerics.set(PipelineOptions.GENERIC_TYPES, false);
        config.configure(noGenerics, getClass().getClassLoader());
        ValueStateDescriptor<Person> descriptor = new ValueStateDescriptor<>("person", Person.class);
        descriptor.initializeSerializerUnlessSet(config);
        assertThat(descriptor.getSerializer()).isInstanceOf(RegisteredKryoSerializer.class);
    }

    @Test
    void theTypeInfoNestsInsideFlinkTypes() {
        ListTypeInfo<Person> list = new ListTypeInfo<>(Person.class);
        assertThat(list.getElementTypeInfo()).isInstanceOf(RegisteredKryoTypeInfo.class);
        assertThat(Types.LIST(TypeInformation.of(Person.class)).createSerializer(new SerializerConfigImpl()))
                .isNotNull();
    }

    /** A type we pretend comes from a library, so it cannot carry the annotation. */
    public static final class LibraryPoint {
        int x;
        int y;

        @Override
        public boolean equals(Object o) {
            return o instanceof LibraryPoint && ((LibraryPoint) o).x == x && ((LibraryPoint) o).y == y;
        }

        @Override
        public int hashCode() {
            return Objects.hash(x, y);
        }
    }

    /** Named in configuration instead of an annotation. */
    public static final class LibraryPointTypeInfoFactory extends RegisteredKryoTypeInfoFactory<LibraryPoint> {
        @Override
        protected KryoRegistrations registrations() {
            return KryoRegistrations.builder().register(LibraryPoint.class, 10).build();
        }
    }

    @Test
    void theSerializationConfigRouteBindsATypeWithoutTheAnnotation() {
        Configuration configuration = new Configuration();
        configuration.set(
                PipelineOptions.SERIALIZATION_CONFIG,
                List.of(
                        LibraryPoint.class.getName()
                                + ": {type: typeinfo, class: "
                                + LibraryPointTypeInfoFactory.class.getName()
                                + "}"));
        SerializerConfigImpl serializerConfig = new SerializerConfigImpl();
        serializerConfig.configure(configuration, getClass().getClassLoader());

        assertThat(serializerConfig.getRegisteredTypeInfoFactories())
                .containsEntry(LibraryPoint.class, LibraryPointTypeInfoFactory.class);
        TypeInformation<LibraryPoint> typeInfo = TypeInformation.of(LibraryPoint.class);
        assertThat(typeInfo).isInstanceOf(RegisteredKryoTypeInfo.class);
        assertThat(typeInfo.createSerializer(serializerConfig)).isInstanceOf(RegisteredKryoSerializer.class);
    }

    @Test
    void itIsNotAKeyType() {
        assertThat(TypeInformation.of(Person.class).isKeyType()).isFalse();
    }
}
