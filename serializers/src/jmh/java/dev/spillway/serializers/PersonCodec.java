package dev.spillway.serializers;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

/** The four ways of writing a {@link BenchPerson} that the benchmark compares. */
public enum PersonCodec {

    /** What Flink's JavaSerializer and InstantiationUtil do: one object stream per record. */
    JAVA {
        @Override
        Codec create() {
            return new Codec() {
                private final ExposedBuffer buffer = new ExposedBuffer();

                @Override
                public void write(BenchPerson person, DataOutputSerializer out) throws IOException {
                    buffer.reset();
                    try (ObjectOutputStream objects = new ObjectOutputStream(buffer)) {
                        objects.writeObject(person);
                    }
                    out.writeInt(buffer.size());
                    out.write(buffer.bytes(), 0, buffer.size());
                }

                @Override
                public BenchPerson read(DataInputDeserializer in) throws IOException {
                    byte[] bytes = new byte[in.readInt()];
                    in.readFully(bytes);
                    try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                        return (BenchPerson) objects.readObject();
                    } catch (ClassNotFoundException e) {
                        throw new IOException(e);
                    }
                }

                @Override
                public int framingBytes() {
                    return Integer.BYTES;
                }
            };
        }
    },

    /** Flink's generic-type fallback: KryoSerializer with no registrations. */
    KRYO_UNREGISTERED {
        @Override
        Codec create() {
            return of(new KryoSerializer<>(BenchPerson.class, new SerializerConfigImpl()));
        }
    },

    /** Flink's PojoSerializer, which TypeInformation.of picks for a POJO. */
    POJO {
        @Override
        Codec create() {
            TypeSerializer<BenchPerson> serializer =
                    TypeInformation.of(BenchPerson.class).createSerializer(new SerializerConfigImpl());
            if (!(serializer instanceof PojoSerializer)) {
                throw new IllegalStateException("Expected a PojoSerializer, got " + serializer);
            }
            return of(serializer);
        }
    },

    /** Ours: Kryo with registration required and a stable id. */
    SPILLWAY_KRYO {
        @Override
        Codec create() {
            return of(
                    new RegisteredKryoSerializer<>(
                            BenchPerson.class,
                            KryoRegistrations.builder().register(BenchPerson.class, 10).build()));
        }
    };

    abstract Codec create();

    /** Lets the Java codec copy its stream's bytes without another array per record. */
    private static final class ExposedBuffer extends ByteArrayOutputStream {
        ExposedBuffer() {
            super(256);
        }

        byte[] bytes() {
            return buf;
        }
    }

    interface Codec {
        void write(BenchPerson person, DataOutputSerializer out) throws IOException;

        BenchPerson read(DataInputDeserializer in) throws IOException;

        /** Bytes the benchmark adds around each record that are not the format's own. */
        default int framingBytes() {
            return 0;
        }
    }

    static Codec of(TypeSerializer<BenchPerson> serializer) {
        return new Codec() {
            @Override
            public void write(BenchPerson person, DataOutputSerializer out) throws IOException {
                serializer.serialize(person, out);
            }

            @Override
            public BenchPerson read(DataInputDeserializer in) throws IOException {
                return serializer.deserialize(in);
            }
        };
    }

    /**
     * The benchmark's people: first names and city names as in the classic comparison, the same on
     * every run. With {@code longNames} each name gets a surname and a number instead, to show how
     * the size ratios shrink as string payload, which every format writes in full, grows.
     */
    static BenchPerson[] people(int count, boolean longNames) {
        String[] names = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Linus", "Margaret", "Dennis"};
        String[] surnames = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Torvalds"};
        String[] cities = {"London", "Paris", "Rome", "Berlin", "Zürich", "Boston", "Tokyo", "Oslo"};
        Random random = new Random(42);
        BenchPerson[] people = new BenchPerson[count];
        for (int i = 0; i < count; i++) {
            String name = names[random.nextInt(names.length)];
            if (longNames) {
                name += " " + surnames[random.nextInt(surnames.length)] + " " + i;
            }
            people[i] = new BenchPerson(name, 18 + random.nextInt(80), cities[random.nextInt(cities.length)]);
        }
        return people;
    }
}
