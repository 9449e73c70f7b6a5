package dev.spillway.examples;

/**
 * The independent computation the example checks its result against: one pass over the same
 * events with plain arrays, no Flink and no state backend.
 */
final class ExpectedTotals {

    private final long[] payments;
    private final long[] totalCents;
    private final long[] merchantMask;
    private final long[] checksum;

    private ExpectedTotals(int accounts) {
        payments = new long[accounts];
        totalCents = new long[accounts];
        merchantMask = new long[accounts];
        checksum = new long[accounts];
    }

    static ExpectedTotals compute(long events, int accounts, int merchants) {
        ExpectedTotals expected = new ExpectedTotals(accounts);
        for (long i = 0; i < events; i++) {
            int a = SpendEvents.account(i, accounts);
            int m = SpendEvents.merchant(i, merchants);
            long cents = SpendEvents.amountCents(i);
            expected.payments[a]++;
            expected.totalCents[a] += cents;
            expected.merchantMask[a] |= 1L << m;
            expected.checksum[a] += (m + 1) * cents;
        }
        return expected;
    }

    /** Accounts that received at least one payment. */
    int activeAccounts() {
        int n = 0;
        for (long p : payments) {
            n += p > 0 ? 1 : 0;
        }
        return n;
    }

    AccountSummary of(int account) {
        return new AccountSummary(
                account,
                payments[account],
                totalCents[account],
                Long.bitCount(merchantMask[account]),
                checksum[account]);
    }
}
