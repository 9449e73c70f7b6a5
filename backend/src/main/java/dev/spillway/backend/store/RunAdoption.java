package dev.spillway.backend.store;

import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Restore by adoption: makes run files, as a checkpoint kept them, an empty store's runs. */
final class RunAdoption {

    private final GuardedState state;
    private final StoreCompaction compaction;
    private final RunDirectory directory;

    RunAdoption(GuardedState state, StoreCompaction compaction, RunDirectory directory) {
        this.state = state;
        this.compaction = compaction;
        this.directory = directory;
    }

    /**
     * Opens (and where needed clips) the files without the lock, then installs them as the run
     * version; the memtable stays empty, so the adopted runs are the store's whole contents.
     *
     * @see RunStore#adopt
     */
    List<String> adopt(List<AdoptedRun> newestFirst) throws IOException {
        checkEmpty();
        List<Run> adopted = new ArrayList<>(newestFirst.size());
        try {
            Set<String> names = new HashSet<>();
            for (AdoptedRun spec : newestFirst) {
                Run run = adoptOne(spec);
                // A second run of the same name would be confused with the first by checkpoints.
                if (run != null && !names.add(run.name())) {
                    run = RunClipping.fit(run, spec, directory, true);
                    if (run != null) {
                        names.add(run.name());
                    }
                }
                if (run != null) {
                    adopted.add(run);
                }
            }
            state.lock.lock();
            try {
                checkEmpty();
                state.runs.install(RunVersion.of(adopted));
                compaction.schedule();
            } finally {
                state.lock.unlock();
            }
            List<String> result = new ArrayList<>(adopted.size());
            for (Run run : adopted) {
                result.add(run.name());
            }
            return result;
        } finally {
            for (Run run : adopted) {
                run.release();
            }
        }
    }

    private Run adoptOne(AdoptedRun spec) throws IOException {
        Run run;
        try {
            run = directory.adopt(spec.file(), spec.name());
        } catch (IOException e) {
            throw new IOException(
                    "Store "
                            + state.storeName
                            + " cannot adopt run "
                            + spec.name()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return RunClipping.fit(run, spec, directory, false);
    }

    private void checkEmpty() {
        state.lock.lock();
        try {
            state.checkOpen();
            if (state.runs.size() != 0 || state.memtable.entryCount() != 0) {
                throw new IllegalStateException(
                        "Store "
                                + state.storeName
                                + " already holds state; only an empty store adopts runs");
            }
        } finally {
            state.lock.unlock();
        }
    }
}
