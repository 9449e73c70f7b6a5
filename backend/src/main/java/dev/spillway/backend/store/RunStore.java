package dev.spillway.backend.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link StateStore} whose on-disk part is immutable run files that a checkpoint can copy as they
 * are and a restore can take over as they are: what incremental checkpoints and restore by adoption
 * need. Stores without files (the test model) do not offer it, and the state layer falls back to
 * full snapshots for them.
 */
public interface RunStore extends StateStore {

    /**
     * A fresh path in the store's spill directory where the caller may place a run file (download
     * or link it) before {@link #adopt adopting} it. Files left there go with the store.
     */
    Path stagingFile();

    /**
     * Makes the files the store's runs, newest first. Only an empty store (just opened, nothing
     * written) may adopt. Each file is moved into the store's directory and keeps its name, unless
     * it has entries outside its fence or state ids to remap: then it is rewritten, on the calling
     * thread, into a new run (with a new name) holding only the entries inside the fence, with
     * their state ids mapped.
     *
     * @return the names of the store's runs afterwards, newest first
     * @throws IOException when a file is not a readable run; the message names the file
     */
    List<String> adopt(List<AdoptedRun> newestFirst) throws IOException;
}
