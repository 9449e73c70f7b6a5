package dev.spillway.serializers;

import org.apache.flink.api.common.typeinfo.TypeInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The example user type: a plain class (no Flink interfaces) bound to the registered Kryo
 * serializer by its {@link TypeInfo} annotation. Its class name and fields are part of the binary
 * test resource written by {@link OldStateResourceGenerator}; do not rename or reorder them.
 */
@TypeInfo(Person.TypeInfoFactory.class)
public class Person {

    private String name;
    private int age;
    private String city;
    private Address home;
    private ArrayList<String> tags;

    /** How a user binds the type: one factory, the registrations in one place. */
    public static final class TypeInfoFactory extends RegisteredKryoTypeInfoFactory<Person> {
        @Override
        protected KryoRegistrations registrations() {
            return TestRegistrations.CURRENT;
        }
    }

    public Person() {}

    public Person(String name, int age, String city, Address home, List<String> tags) {
        this.name = name;
        this.age = age;
        this.city = city;
        this.home = home;
        this.tags = tags == null ? null : new ArrayList<>(tags);
    }

    public String getName() {
        return name;
    }

    public Address getHome() {
        return home;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Person) || o.getClass() != getClass()) {
            return false;
        }
        Person that = (Person) o;
        return age == that.age
                && Objects.equals(name, that.name)
                && Objects.equals(city, that.city)
                && Objects.equals(home, that.home)
                && Objects.equals(tags, that.tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, age, city, home, tags);
    }

    @Override
    public String toString() {
        return "Person{" + name + ", " + age + ", " + city + ", " + home + ", " + tags + "}";
    }
}
