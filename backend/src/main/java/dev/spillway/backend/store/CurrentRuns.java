package dev.spillway.backend.store;

import dev.spillway.backend.store.run.EntryResolver;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * The store's current run version, newest first, and the installs that replace it. Guarded by the
 * store lock ({@link GuardedState#lock}); views {@link #retain} the version they read, so an
 * install never pulls runs from under a reader. Every install charges the new version's resident
 * bloom filters and block indexes to the storage pool (runs kept only by views and merges are
 * resident too until released, but are not charged: they are the exception and short-lived). The two gauges are published for metric reporters
 * and the write stall, which read them without the lock.
 */
final class CurrentRuns {

    private RunVersion version = RunVersion.empty();

    /** Charges the current runs' resident bloom filters and block indexes to storage. */
    private final LongConsumer chargeResidentBytes;

    /** Runs installed as the newest so far: a frozen write's run is placed by counting them. */
    private long newestInstalled;

    private volatile int count;
    private volatile long bytes;

    CurrentRuns(LongConsumer chargeResidentBytes) {
        this.chargeResidentBytes = chargeResidentBytes;
    }

    int size() {
        return version.size();
    }

    void resolve(byte[] key, int keyLength, EntryResolver resolver) throws IOException {
        version.resolve(key, keyLength, resolver);
    }

    /** The current version, valid while the lock is held. */
    RunVersion version() {
        return version;
    }

    /** The current version with a reference of the caller's own, to release when done. */
    RunVersion retain() {
        return version.retain();
    }

    /** Makes a new version current. */
    void install(RunVersion next) {
        version.release();
        version = next;
        count = next.size();
        bytes = next.sizeBytes();
        chargeResidentBytes.accept(next.residentBytes());
    }

    /** Installs the run of an eviction made under the lock: it holds the newest records. */
    void installNewest(Run run) {
        install(version.withNewest(run));
        newestInstalled++;
    }

    /** What {@link #installBelowNewer} counts from: take it when the records are frozen. */
    long newestInstalled() {
        return newestInstalled;
    }

    /**
     * Installs the run of a frozen write (an eviction or a snapshot written off the lock) below the
     * runs installed as newest since its records were frozen: those hold records at least as new.
     */
    void installBelowNewer(Run run, long newestInstalledWhenFrozen) {
        install(version.withRunAt((int) (newestInstalled - newestInstalledWhenFrozen), run));
    }

    /** Runs of the current version; any thread. */
    int count() {
        return count;
    }

    /** Bytes of the current version's run files; any thread. */
    long bytes() {
        return bytes;
    }
}
