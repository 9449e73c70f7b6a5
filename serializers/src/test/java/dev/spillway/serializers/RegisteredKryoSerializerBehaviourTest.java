package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the conformance suite does not cover: registration errors, ids on the wire, copying. */
class RegisteredKryoSerializerBehaviourTest {

    private static final Person ADA =
            new Person("Ada", 36, "London", new Address("Square", 1), List.of("math"));

    @Test
    void writingAnUnregisteredClassFailsAtOnceAndSaysHowToRegisterIt() {
        RegisteredKryoSerializer<Person> withoutAddress =
                new RegisteredKryoSerializer<>(
                        Person.class,
                        KryoRegistrations.builder()
                                .register(Person.class, 10)
                                .register(ArrayList.class, 12)
                                .build());
        DataOutputSerializer target = new DataOutputSerializer(64);
        assertThatThrownBy(() -> withoutAddress.serialize(ADA, target))
                .isInstanceOf(UnregisteredClassException.class)
                .hasMessageContaining("Class " + Address.class.getName() + " is not registered")
                .hasMessageContaining(".register(dev.spillway.serializers.Address.class, 13)")
                .hasMessageContaining("home (dev.spillway.serializers.Person)")
                .satisfies(
                        e ->
                                assertThat(((UnregisteredClassException) e).getUnregisteredClassName())
                                        .isEqualTo(Address.class.getName()));
        assertThat(target.length()).as("nothing reaches the target").isZero();
    }

    @Test
    void aConcreteRecordTypeMustBeRegisteredBeforeAnyRecord() {
        assertThatThrownBy(() -> new RegisteredKryoSerializer<>(Address.class, KryoRegistrations.builder().build()))
                .isInstanceOf(UnregisteredClassException.class)
                .hasMessageContaining(".register(dev.spillway.serializers.Address.class, 10)");
    }

    @Test
    void anInterfaceRecordTypeNeedsOnlyItsImplementationsRegistered() throws IOException {
        RegisteredKryoSerializer<CharSequence> serializer =
                new RegisteredKryoSerializer<>(
                        CharSequence.class, KryoRegistrations.builder().register(StringBuilder.class, 10).build());
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize("text", out);
        serializer.serialize(new StringBuilder("built"), out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(serializer.deserialize(in)).isEqualTo("text");
        assertThat(serializer.deserialize(in).toString()).isEqualTo("built");
        assertThat(serializer.createInstance()).isNull();
    }

    @Test
    void theStableIdIsWhatGoesOnTheWire() throws IOException {
        RegisteredKryoSerializer<Address> serializer =
                new RegisteredKryoSerializer<>(
                        Address.class, KryoRegistrations.builder().register(Address.class, 500).build());
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize(new Address("", 0), out);
        byte[] bytes = out.getCopyOfBuffer();
        // [length][varint(500 + 2) = 0xF6 0x03]...
        assertThat(bytes[1]).isEqualTo((byte) 0xF6);
        assertThat(bytes[2]).isEqualTo((byte) 0x03);
        assertThat(bytes[0]).isEqualTo((byte) (bytes.length - 1));
    }

    @Test
    void duplicatesShareNothing() throws IOException {
        RegisteredKryoSerializer<Person> original =
                new RegisteredKryoSerializer<>(Person.class, TestRegistrations.CURRENT);
        RegisteredKryoSerializer<Person> duplicate =
                (RegisteredKryoSerializer<Person>) original.duplicate();
        assertThat(duplicate).isEqualTo(original).isNotSameAs(original);

        DataOutputSerializer out = new DataOutputSerializer(64);
        original.serialize(ADA, out);
        // Interleave: the duplicate reads while the original writes; separate buffers keep both right.
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        original.serialize(new Person("Other", 1, "Paris", null, null), new DataOutputSerializer(64));
        assertThat(duplicate.deserialize(in)).isEqualTo(ADA);
    }

    @Test
    void copyFallsBackToARoundTripWhenASerializerCannotCopy() {
        RegisteredKryoSerializer<Person> serializer =
                new RegisteredKryoSerializer<>(
                        Person.class,
                        KryoRegistrations.builder()
                                .register(Person.class, 10)
                                .register(Address.class, 11, AddressAsText.class)
                                .register(ArrayList.class, 12)
                                .build());
        Person copy = serializer.copy(ADA);
        assertThat(copy).isEqualTo(ADA).isNotSameAs(ADA);
        assertThat(copy.getHome()).isNotSameAs(ADA.getHome());
        assertThat(serializer.copy(ADA)).isEqualTo(ADA);
    }

    /** A node that can point at itself. */
    public static final class Node {
        String label;
        Node next;
    }

    @Test
    void referenceTrackingRoundTripsCycles() throws IOException {
        RegisteredKryoSerializer<Node> serializer =
                new RegisteredKryoSerializer<>(
                        Node.class,
                        KryoRegistrations.builder().register(Node.class, 10).trackReferences(true).build());
        Node node = new Node();
        node.label = "loop";
        node.next = node;
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize(node, out);
        Node read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(read.label).isEqualTo("loop");
        assertThat(read.next).isSameAs(read);
    }

    @Test
    void readingARecordOfAnotherRegisteredClassIsReportedAsCorruption() throws IOException {
        KryoRegistrations registrations =
                KryoRegistrations.builder()
                        .register(Person.class, 10)
                        .register(Address.class, 11)
                        .build();
        DataOutputSerializer out = new DataOutputSerializer(16);
        new RegisteredKryoSerializer<>(Address.class, registrations).serialize(new Address("a", 1), out);
        RegisteredKryoSerializer<Person> persons = new RegisteredKryoSerializer<>(Person.class, registrations);
        assertThatThrownBy(() -> persons.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("expected a " + Person.class.getName())
                .hasMessageContaining("read a " + Address.class.getName());
    }

    @Test
    void nullAndEmptyPartsPassTheLengthGuards() throws IOException {
        RegisteredKryoSerializer<Blob> serializer = new RegisteredKryoSerializer<>(Blob.class, Blob.REGISTRATIONS);
        Blob empty = new Blob();
        Blob emptyParts = new Blob();
        emptyParts.numbers = new int[0];
        emptyParts.text = "";
        emptyParts.things = new Object[0];
        emptyParts.counts = new java.util.HashMap<>();
        emptyParts.words = new ArrayList<>();
        for (Blob blob : new Blob[] {empty, emptyParts, Blob.sample(3)}) {
            DataOutputSerializer out = new DataOutputSerializer(16);
            serializer.serialize(blob, out);
            assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(blob);
        }
    }

    @Test
    void aRecordAboveTheSizeLimitIsRefusedOnWrite() {
        RegisteredKryoSerializer<Blob> serializer = new RegisteredKryoSerializer<>(Blob.class, Blob.REGISTRATIONS);
        Blob huge = new Blob();
        huge.numbers = new int[RegisteredKryoSerializer.MAX_RECORD_BYTES / 4 + 1];
        // Whether Kryo writes ints fixed or as varints, these take at least four bytes each.
        java.util.Arrays.fill(huge.numbers, Integer.MIN_VALUE);
        DataOutputSerializer target = new DataOutputSerializer(16);
        assertThatThrownBy(() -> serializer.serialize(huge, target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("limited to " + RegisteredKryoSerializer.MAX_RECORD_BYTES);
        assertThat(target.length()).isZero();
    }
}
