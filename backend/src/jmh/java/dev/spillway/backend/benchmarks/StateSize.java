package dev.spillway.backend.benchmarks;

/**
 * How much state a benchmark loads, relative to the managed memory budget that Spillway and
 * RocksDB get ({@link #BUDGET_MB}). Size is counted as raw payload
 * (key bytes plus value bytes, no per-entry overhead of any backend), so the same parameter means
 * the same data for every backend.
 */
public enum StateSize {
    /** Half the budget: everything fits in memory with room for the backend's own overhead. */
    FITS_BUDGET(0.5),

    /** Ten times the budget: a backend has to keep most state out of its memory budget. */
    TEN_X_BUDGET(10);

    /** The managed memory of the benchmark's keyed backend (the whole slot's share). */
    public static final int BUDGET_MB = 16;

    static final long BUDGET_BYTES = BUDGET_MB * 1024L * 1024L;

    private final double budgetMultiple;

    StateSize(double budgetMultiple) {
        this.budgetMultiple = budgetMultiple;
    }

    /** The state's payload divided by the managed memory budget. */
    public double budgetMultiple() {
        return budgetMultiple;
    }

    /** {@code 0.5× budget}, {@code 10× budget}. */
    public String label() {
        return String.format(java.util.Locale.ROOT, "%s× budget", trimmed(budgetMultiple));
    }

    /** The payload in MiB. */
    public double payloadMb() {
        return budgetMultiple * BUDGET_MB;
    }

    private static String trimmed(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** How many keys of {@code payloadBytesPerKey} give this size. */
    int keyCount(int payloadBytesPerKey) {
        return (int) (budgetMultiple * BUDGET_BYTES / payloadBytesPerKey);
    }
}
