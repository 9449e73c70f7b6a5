package dev.spillway.serializers;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * A hand-written Kryo serializer for tests: writes an address as one string, a different format
 * from Kryo's field serializer, and (like many hand-written serializers) does not implement copy.
 */
public final class AddressAsText extends Serializer<Address> {
    @Override
    public void write(Kryo kryo, Output output, Address address) {
        output.writeString(address.toString());
    }

    @Override
    public Address read(Kryo kryo, Input input, Class<? extends Address> type) {
        String text = input.readString();
        int space = text.lastIndexOf(' ');
        return new Address(text.substring(0, space), Integer.parseInt(text.substring(space + 1)));
    }
}
