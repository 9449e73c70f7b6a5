package dev.spillway.examples;

import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Compares a job's per-key results with an independent computation, key by key. The sink runs in
 * the same JVM as the embedded MiniCluster, so it reaches its verification through a registry by
 * id instead of shipping millions of results back to the client.
 *
 * @param <T> the result type; results are compared with {@code equals}
 */
final class Verification<T> {

    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, Verification<?>> REGISTRY = new ConcurrentHashMap<>();

    private final long id;
    private final ToIntFunction<T> keyOf;
    private final IntFunction<T> expectedOf;
    private final int expectedKeys;
    private final BitSet seen;
    private long matched;
    private long mismatched;
    private long duplicates;
    private long missing;
    private final StringBuilder firstProblems = new StringBuilder();

    private Verification(
            long id, ToIntFunction<T> keyOf, IntFunction<T> expectedOf, int expectedKeys) {
        this.id = id;
        this.keyOf = keyOf;
        this.expectedOf = expectedOf;
        this.expectedKeys = expectedKeys;
        this.seen = new BitSet();
    }

    /**
     * Registers a verification that expects one result for each of {@code expectedKeys} keys,
     * equal to {@code expectedOf.apply(key)}.
     */
    static <T> Verification<T> register(
            ToIntFunction<T> keyOf, IntFunction<T> expectedOf, int expectedKeys) {
        Verification<T> v =
                new Verification<>(IDS.incrementAndGet(), keyOf, expectedOf, expectedKeys);
        REGISTRY.put(v.id, v);
        return v;
    }

    /** The verification for the account job's summaries. */
    static Verification<AccountSummary> forAccounts(ExpectedTotals expected) {
        return register(s -> s.account, expected::of, expected.activeAccounts());
    }

    @SuppressWarnings("unchecked")
    static <T> Verification<T> lookup(long id) {
        Verification<T> v = (Verification<T>) REGISTRY.get(id);
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

    synchronized void check(T actual) {
        int key = keyOf.applyAsInt(actual);
        if (seen.get(key)) {
            duplicates++;
            problem("duplicate result for " + actual);
            return;
        }
        seen.set(key);
        T want = expectedOf.apply(key);
        if (want.equals(actual)) {
            matched++;
        } else {
            mismatched++;
            problem("expected " + want + " but the job said " + actual);
        }
    }

    /** Called once the job has finished: every expected key must have reported. */
    synchronized void finish() {
        missing = Math.max(0, expectedKeys - seen.cardinality());
        if (missing > 0) {
            problem(missing + " keys with input produced no result");
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
                    "VERIFIED: all %,d keys match the independent computation.",
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
