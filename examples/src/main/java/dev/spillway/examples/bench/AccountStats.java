package dev.spillway.examples.bench;

/**
 * The benchmark job's state per key: running count, sum, minimum and maximum of the amounts, and
 * the last {@value #RECENT} amounts in a ring. A Flink POJO (public fields, no-argument
 * constructor), so every backend stores it with the same {@code PojoSerializer}.
 */
public class AccountStats {

    static final int RECENT = 8;

    public long count;
    public long sum;
    public long min = Long.MAX_VALUE;
    public long max = Long.MIN_VALUE;
    public long[] recent = new long[RECENT];

    public AccountStats() {}

    void add(long amount) {
        recent[(int) (count % RECENT)] = amount;
        count++;
        sum += amount;
        min = Math.min(min, amount);
        max = Math.max(max, amount);
    }
}
