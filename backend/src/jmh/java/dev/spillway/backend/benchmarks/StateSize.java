package dev.spillway.backend.benchmarks;

/**
 * How much state a benchmark loads, relative to the managed memory budget that Spillway and
 * RocksDB get ({@link StateBenchmarkBase#MANAGED_MEMORY_BYTES}). Size is counted as raw payload
 * (key bytes plus value bytes, no per-entry overhead of any backend), so the same parameter means
 * the same data for every backend.
 */
public enum StateSize {
    /** Half the budget: everything fits in memory with room for the backend's own overhead. */
    FITS_BUDGET(0.5),

    /** Ten times the budget: a backend has to keep most state out of its memory budget. */
    TEN_X_BUDGET(10);

    private final double budgetMultiple;

    StateSize(double budgetMultiple) {
        this.budgetMultiple = budgetMultiple;
    }

    /** The state's payload divided by the managed memory budget. */
    public double budgetMultiple() {
        return budgetMultiple;
    }

    /** How many keys of {@code payloadBytesPerKey} give this size. */
    int keyCount(int payloadBytesPerKey) {
        return (int) (budgetMultiple * StateBenchmarkBase.MANAGED_MEMORY_BYTES / payloadBytesPerKey);
    }
}
