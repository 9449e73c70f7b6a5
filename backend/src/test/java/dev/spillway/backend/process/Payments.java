package dev.spillway.backend.process;

import java.util.HashMap;
import java.util.Map;

/**
 * The deterministic input of the process test: record {@code i} is a payment of {@link
 * #amount(long)} to account {@code i % accounts}, so the first {@code accounts} records create
 * every key and later ones update them. {@link #expectedTallies} computes each account's result
 * with a plain loop, independently of Flink, to check the job's output against.
 */
final class Payments {

    private Payments() {}

    static long account(long i, long accounts) {
        return i % accounts;
    }

    static long amount(long i) {
        return 1 + Long.remainderUnsigned(i * 0x9E3779B97F4A7C15L, 1_000);
    }

    /** What {@link TallyFunction} must report per account after seeing every record once. */
    static Map<Long, String> expectedTallies(long records, long accounts) {
        long[] counts = new long[(int) accounts];
        long[] sums = new long[(int) accounts];
        for (long i = 0; i < records; i++) {
            int account = (int) account(i, accounts);
            counts[account]++;
            sums[account] += amount(i);
        }
        Map<Long, String> expected = new HashMap<>();
        for (int account = 0; account < accounts; account++) {
            if (counts[account] > 0) {
                expected.put(
                        (long) account,
                        TallyFunction.report(account, counts[account], sums[account]));
            }
        }
        return expected;
    }
}
