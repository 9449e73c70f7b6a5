package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunCursor;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rewrites an adopted run so that it holds only the key groups its new store owns, with the state
 * ids that store uses. Runs are sorted by key and the key group leads every key, so clipping is a
 * copy of a key-group slice; remapping state ids can change the order of states inside a key group,
 * so the copy reads one (key group, state) prefix at a time in the order of the new ids, and the
 * output stays sorted without buffering anything.
 */
final class RunClipping {

    private RunClipping() {}

    /** Whether the run has entries outside the fence or state ids that change. */
    static boolean needed(Run run, AdoptedRun spec) {
        return CompositeKey.keyGroup(run.firstKey()) < spec.firstKeyGroup()
                || CompositeKey.keyGroup(run.lastKey()) > spec.lastKeyGroup()
                || !spec.keepsStateIds();
    }

    /** The rewritten run (one reference, the caller's), or {@code null} when nothing is left. */
    static Run rewrite(Run run, AdoptedRun spec, RunDirectory directory) throws IOException {
        int from = Math.max(spec.firstKeyGroup(), CompositeKey.keyGroup(run.firstKey()));
        int to = Math.min(spec.lastKeyGroup(), CompositeKey.keyGroup(run.lastKey()));
        if (from > to) {
            return null;
        }
        List<int[]> statesInNewOrder = statesInNewOrder(spec.stateIds());
        boolean keepIds = spec.keepsStateIds();
        try (RunWriter writer =
                directory.newWriter(run.entryCount(), RunWriter.Purpose.COMPACTION)) {
            byte[] prefix = new byte[CompositeKey.STATE_PREFIX_BYTES];
            for (int keyGroup = from; keyGroup <= to; keyGroup++) {
                if (keepIds) {
                    byte[] keyGroupPrefix = new byte[CompositeKey.KEY_GROUP_BYTES];
                    CompositeKey.writeKeyGroupPrefix(keyGroupPrefix, keyGroup);
                    copy(run, keyGroupPrefix, -1, writer);
                    continue;
                }
                for (int[] state : statesInNewOrder) {
                    CompositeKey.writeStatePrefix(prefix, keyGroup, state[0]);
                    copy(run, prefix, state[1], writer);
                }
            }
            return writer.entryCount() == 0 ? null : writer.finish();
        }
    }

    /** {@code (old id, new id)} pairs of the kept states, ordered by new id. */
    private static List<int[]> statesInNewOrder(int[] stateIds) {
        List<int[]> states = new ArrayList<>();
        for (int old = 0; old < stateIds.length; old++) {
            if (stateIds[old] >= 0) {
                states.add(new int[] {old, stateIds[old]});
            }
        }
        states.sort(Comparator.comparingInt(state -> state[1]));
        return states;
    }

    private static void copy(Run run, byte[] prefix, int newStateId, RunWriter writer)
            throws IOException {
        try (RunCursor entries = run.scan(prefix, false)) {
            while (entries.next()) {
                byte[] key = entries.key();
                if (newStateId >= 0) {
                    CompositeKey.writeStatePrefix(key, CompositeKey.keyGroup(key), newStateId);
                }
                writer.add(key, entries.kind(), entries.value());
            }
        }
    }
}
