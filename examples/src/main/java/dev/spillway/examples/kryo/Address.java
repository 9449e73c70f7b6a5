package dev.spillway.examples.kryo;

/** Where a customer lives; reachable from {@link CustomerProfile}, so it needs its own id. */
public final class Address {
    private String city;
    private int zip;

    Address() {}

    public Address(String city, int zip) {
        this.city = city;
        this.zip = zip;
    }

    public String city() {
        return city;
    }

    public int zip() {
        return zip;
    }
}
