package dev.spillway.examples.kryo;

import java.util.ArrayList;
import java.util.List;

/**
 * A user type kept in keyed state and serialized by Spillway's Kryo-registered serializer: it is
 * not a POJO Flink can analyse (no public fields, a list of another user type), the kind of type
 * that would otherwise fall back to Flink's order-numbered Kryo path.
 */
public final class CustomerProfile {

    /** Purchases remembered per customer; older ones are dropped. */
    public static final int RECENT = 3;

    private Address address;
    private long purchases;
    private long totalCents;
    private ArrayList<Purchase> recent = new ArrayList<>();

    CustomerProfile() {}

    public CustomerProfile(Address address) {
        this.address = address;
    }

    /**
     * Counts the purchase and keeps it if it is among the {@value #RECENT} latest by sequence
     * number. "Latest by sequence", not "last to arrive": a key's events come from several
     * parallel source readers, so arrival order is not deterministic, and the result must be.
     */
    public void add(Purchase purchase) {
        purchases++;
        totalCents += purchase.amountCents();
        int at = 0;
        while (at < recent.size() && recent.get(at).sequence() < purchase.sequence()) {
            at++;
        }
        recent.add(at, purchase);
        if (recent.size() > RECENT) {
            recent.remove(0);
        }
    }

    public Address address() {
        return address;
    }

    public long purchases() {
        return purchases;
    }

    public long totalCents() {
        return totalCents;
    }

    public List<Purchase> recent() {
        return recent;
    }
}
