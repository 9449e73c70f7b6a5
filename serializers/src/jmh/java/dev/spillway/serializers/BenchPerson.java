package dev.spillway.serializers;

import java.io.Serializable;

/**
 * The classic benchmark record: a Flink POJO (public fields, public no-arg constructor) so Flink
 * picks its PojoSerializer, and {@link Serializable} so Java serialization can write it.
 */
public class BenchPerson implements Serializable {

    private static final long serialVersionUID = 1L;

    public String name;
    public int age;
    public String city;

    public BenchPerson() {}

    public BenchPerson(String name, int age, String city) {
        this.name = name;
        this.age = age;
        this.city = city;
    }
}
