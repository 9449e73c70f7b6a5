package dev.spillway.examples;

/** One payment; a Flink POJO. */
public class SpendEvent {
    public int account;
    public int merchant;
    public long amountCents;

    public SpendEvent() {}

    SpendEvent(int account, int merchant, long amountCents) {
        this.account = account;
        this.merchant = merchant;
        this.amountCents = amountCents;
    }
}
