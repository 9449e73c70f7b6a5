package dev.spillway.examples;

import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compares the job's summaries with the independent computation, account by account. The sink
 * runs in the same JVM as the embedded MiniCluster, so it reaches its verification through a
 * registry by id instead of shipping millions of results back to the client.
 */
final class Verification {

    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, Verification> REGISTRY = new ConcurrentHashMap<>();

    private final long id;
    private final ExpectedTotals expected;
    private final BitSet seen;
    private long matched;
    private long mismatched;
    private long duplicates;
    private long missing;
    private final StringBuilder firstProblems = new StringBuilder();

    private Verification(long id, ExpectedTotals expected, int accounts) {
        this.id = id;
        this.expected = expected;
        this.seen = new BitSet(accounts);
    }

    static Verification register(ExpectedTotals expected, int accounts) {
        Verification v = new Verification(IDS.incrementAndGet(), expected, accounts);
        REGISTRY.put(v.id, v);
        return v;
    }

    static Verification lookup(long id) {
        Verification v = REGISTRY.get(id);
        if (v == null) {
            throw new IllegalStateException(
                    "No verification " + id + ": the verifying sink only works on the embedded"
                            + " MiniCluster of the JVM that started the job");
        }
        return v;
    }

    static void unregister(long id) {
        REGISTRY.remove(id);
    }

    long id() {
        return id;
    }

    synchronized void check(AccountSummary actual) {
        if (seen.get(actual.account)) {
            duplicates++;
            problem("duplicate result for " + actual);
            return;
        }
        seen.set(actual.account);
        AccountSummary want = expected.of(actual.account);
        if (want.equals(actual)) {
            matched++;
        } else {
            mismatched++;
            problem("expected " + want + " but the job said " + actual);
        }
    }

    /** Called once the job has finished: every account with payments must have reported. */
    synchronized void finish() {
        missing = Math.max(0, expected.activeAccounts() - seen.cardinality());
        if (missing > 0) {
            problem(missing + " accounts with payments produced no result");
        }
    }

    synchronized boolean passed() {
        return mismatched == 0 && duplicates == 0 && missing == 0 && matched > 0;
    }

    private void problem(String text) {
        if (firstProblems.length() < 2000) {
            firstProblems.append("  ").append(text).append('\n');
        }
    }

    synchronized String report() {
        if (passed()) {
            return String.format(
                    Locale.ROOT,
                    "VERIFIED: all %,d accounts match the independent computation.",
                    matched);
        }
        return String.format(
                        Locale.ROOT,
                        "FAILED: %,d matched, %,d wrong, %,d duplicated, %,d missing.%n",
                        matched,
                        mismatched,
                        duplicates,
                        missing)
                + firstProblems;
    }
}
