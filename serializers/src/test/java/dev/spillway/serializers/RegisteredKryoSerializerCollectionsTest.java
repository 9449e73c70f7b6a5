package dev.spillway.serializers;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's conformance suite over a type with arrays, a map, a list and mixed object arrays. */
class RegisteredKryoSerializerCollectionsTest extends SerializerTestBase<Blob> {

    @Override
    protected TypeSerializer<Blob> createSerializer() {
        return new RegisteredKryoSerializer<>(Blob.class, Blob.REGISTRATIONS);
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Blob> getTypeClass() {
        return Blob.class;
    }

    @Override
    protected Blob[] getTestData() {
        return new Blob[] {new Blob(), Blob.sample(0), Blob.sample(1), Blob.sample(37), Blob.sample(1_000)};
    }
}
