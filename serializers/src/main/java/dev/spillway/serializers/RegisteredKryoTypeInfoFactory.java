package dev.spillway.serializers;

import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.TypeExtractionUtils;

import java.lang.reflect.Type;
import java.util.Map;

/**
 * The base for binding a type to a {@link RegisteredKryoSerializer}: subclass it, declare the
 * registrations, and point Flink at the subclass, either with an annotation on the type
 *
 * <pre>{@code
 * @TypeInfo(Person.TypeInfoFactory.class)
 * public class Person {
 *     ...
 *     public static final class TypeInfoFactory extends RegisteredKryoTypeInfoFactory<Person> {
 *         @Override
 *         protected KryoRegistrations registrations() {
 *             return KryoRegistrations.builder()
 *                     .register(Person.class, 10)
 *                     .register(Address.class, 11)
 *                     .build();
 *         }
 *     }
 * }
 * }</pre>
 *
 * or, for a type you cannot annotate, in the Flink configuration:
 *
 * <pre>{@code
 * pipeline.serialization-config:
 *   - org.example.Person: {type: typeinfo, class: org.example.PersonTypeInfoFactory}
 * }</pre>
 *
 * <p>Flink creates the factory reflectively, so a subclass needs a public no-argument constructor
 * (the default one is enough).
 */
public abstract class RegisteredKryoTypeInfoFactory<T> extends TypeInfoFactory<T> {

    /** The classes, with stable ids, that instances of the type may contain (the type included). */
    protected abstract KryoRegistrations registrations();

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<T> createTypeInfo(
            Type t, Map<String, TypeInformation<?>> genericParameters) {
        Class<T> type = (Class<T>) TypeExtractionUtils.typeToClass(t);
        return new RegisteredKryoTypeInfo<>(type, registrations());
    }
}
