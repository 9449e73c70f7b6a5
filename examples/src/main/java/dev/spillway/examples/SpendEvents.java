package dev.spillway.examples;

/**
 * The example's input: event {@code i} is a payment by one account at one merchant. Every field is
 * a pure function of {@code i}, so the job can generate events in parallel and {@link
 * ExpectedTotals} can recompute the right answer without Flink.
 */
final class SpendEvents {

    /** Merchants per account fit one {@code long} bitmask in the independent computation. */
    static final int MAX_MERCHANTS = 64;

    private SpendEvents() {}

    static int account(long i, int accounts) {
        return (int) Long.remainderUnsigned(mix(i), accounts);
    }

    static int merchant(long i, int merchants) {
        return (int) Long.remainderUnsigned(mix(i ^ 0x5DEECE66DL), merchants);
    }

    static long amountCents(long i) {
        return 1 + Long.remainderUnsigned(mix(i * 3 + 1), 50_000);
    }

    /** SplitMix64's finalizer: consecutive inputs land on unrelated accounts. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
