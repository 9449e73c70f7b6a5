package dev.spillway.examples.kryo;

/** One purchase; kept in a list inside {@link CustomerProfile}. */
public final class Purchase {
    private long sequence;
    private long amountCents;

    Purchase() {}

    public Purchase(long sequence, long amountCents) {
        this.sequence = sequence;
        this.amountCents = amountCents;
    }

    public long sequence() {
        return sequence;
    }

    public long amountCents() {
        return amountCents;
    }
}
