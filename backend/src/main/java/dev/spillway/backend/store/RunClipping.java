package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.CompositeKey;
import dev.spillway.backend.store.run.KeyGroupFence;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunCursor;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fits an adopted run to its new store. A run whose state ids keep their numbers but that holds
 * key groups the store does not own is {@link KeyGroupFence fenced}, not rewritten: the restore
 * opens it at once and the compactor clips it in the background. A run whose state ids change
 * must be rewritten before anything reads it, and is clipped on the way.
 *
 * <p>The rewrite: Runs are sorted by key and the key group leads every key, so clipping is a
 * copy of a key-group slice; remapping state ids can change the order of states inside a key group,
 * so the copy reads one (key group, state) prefix at a time in the order of the new ids, and the
 * output stays sorted without buffering anything.
 */
final class RunClipping {

    private RunClipping() {}

    /**
     * The run ready to install (one reference, the caller's): the run itself, fenced if it holds
     * foreign key groups, or its rewrite (the original released), or {@code null} when nothing of
     * it is left.
     *
     * @param rename whether the run must get a new name (another adopted run has its name), which
     *     only a rewrite gives
     */
    static Run fit(Run run, AdoptedRun spec, RunDirectory directory, boolean rename)
            throws IOException {
        int firstKeyGroup = CompositeKey.keyGroup(run.firstKey());
        int lastKeyGroup = CompositeKey.keyGroup(run.lastKey());
        if (lastKeyGroup < spec.firstKeyGroup() || firstKeyGroup > spec.lastKeyGroup()) {
            run.release(); // nothing of it is ours
            return null;
        }
        boolean foreignKeyGroups =
                firstKeyGroup < spec.firstKeyGroup() || lastKeyGroup > spec.lastKeyGroup();
        if (spec.keepsStateIds() && !rename) {
            if (foreignKeyGroups) {
                run.fenceTo(new KeyGroupFence(spec.firstKeyGroup(), spec.lastKeyGroup()));
            }
            return run;
        }
        try {
            return rewrite(run, spec, directory);
        } finally {
            run.release();
        }
    }

    /** The rewritten run (one reference, the caller's), or {@code null} when nothing is left. */
    private static Run rewrite(Run run, AdoptedRun spec, RunDirectory directory) throws IOException {
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
