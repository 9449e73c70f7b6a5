package dev.spillway.serializers;

import java.util.Objects;

/** A nested value reachable from {@link Person}; part of the binary test resource. */
public final class Address {

    private final String street;
    private final int zip;

    /** No no-arg constructor on purpose: Kryo must create it through Objenesis. */
    public Address(String street, int zip) {
        this.street = street;
        this.zip = zip;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Address)) {
            return false;
        }
        Address that = (Address) o;
        return zip == that.zip && Objects.equals(street, that.street);
    }

    @Override
    public int hashCode() {
        return Objects.hash(street, zip);
    }

    @Override
    public String toString() {
        return street + " " + zip;
    }
}
