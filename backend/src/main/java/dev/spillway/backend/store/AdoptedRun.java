package dev.spillway.backend.store;

import java.nio.file.Path;

/**
 * A run file from elsewhere (a checkpoint) for {@link RunStore#adopt}.
 *
 * @param file the complete run file, in the store's directory ({@link RunStore#stagingFile()})
 * @param name the name the run had where it was written; kept when the run is adopted unchanged
 * @param firstKeyGroup the first key group the store owns; entries before it are dropped
 * @param lastKeyGroup the last key group the store owns (inclusive); entries after it are dropped
 * @param stateIds the store's state id for each state id used in the file ({@code stateIds[old]});
 *     entries of a state id outside the array, or mapped to -1, are dropped
 */
public record AdoptedRun(
        Path file, String name, int firstKeyGroup, int lastKeyGroup, int[] stateIds) {

    /** Whether every state id keeps its number, so the file's key order survives as is. */
    public boolean keepsStateIds() {
        for (int id = 0; id < stateIds.length; id++) {
            if (stateIds[id] != id) {
                return false;
            }
        }
        return true;
    }
}
