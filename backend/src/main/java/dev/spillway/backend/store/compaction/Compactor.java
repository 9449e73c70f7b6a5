package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans compactions for one store: asks the policy for a slice of the current runs and wraps it
 * in a {@link CompactionTask}. The store owns the threading; a typical cycle is
 *
 * <pre>{@code
 * CompactionTask task = compactor.plan(current);          // task thread, O(runs)
 * if (task != null) {
 *     executor.submit(() -> {
 *         try (task) {
 *             task.run();                                  // background: the merge I/O
 *             synchronized (store) {                       // install: O(runs)
 *                 RunVersion next = task.applyTo(current);
 *                 current.release();
 *                 current = next;
 *             }
 *         } catch (IOException e) {
 *             // inputs intact, store consistent: log, count, retry later
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p>At most one task per store may be in flight: the output takes the inputs' place, which a
 * second overlapping merge would invalidate ({@link RunVersion#replace} detects it). Spills may
 * add newer runs while a task runs; they are untouched.
 *
 * <p><b>Fenced runs first.</b> A run adopted from a checkpoint of a wider key-group range is
 * {@link dev.spillway.backend.store.run.KeyGroupFence fenced}: reads skip the foreign key groups,
 * but the file still carries them to disk, to the block reads' neighbours and to the next
 * incremental checkpoint. Before anything the policy picks, each fenced run is rewritten on its
 * own (its cursor shows only what lies inside the fence), so a rescaled restore opens its runs at
 * once and pays for the clipping in the background.
 */
public final class Compactor {

    private final RunDirectory directory;
    private final CompactionPolicy policy;
    private final CompactionFilter filter;

    public Compactor(RunDirectory directory, CompactionPolicy policy, CompactionFilter filter) {
        this.directory = directory;
        this.policy = policy;
        this.filter = filter;
    }

    /** A task for the policy's pick in {@code version}, or {@code null} when nothing is due. */
    public CompactionTask plan(RunVersion version) {
        List<Run> runs = version.runs();
        for (int i = 0; i < runs.size(); i++) {
            if (runs.get(i).fence() != null) {
                return new CompactionTask(
                        directory, List.of(runs.get(i)), i == runs.size() - 1, filter);
            }
        }
        CompactionPolicy.Slice slice = policy.pick(runs);
        if (slice == null) {
            return null;
        }
        if (slice.end() > runs.size()) {
            throw new IllegalStateException(policy + " picked " + slice + " of only " + runs.size() + " runs");
        }
        return plan(version, slice);
    }

    /** A task that merges the given slice of {@code version}, whatever the policy says. */
    public CompactionTask plan(RunVersion version, CompactionPolicy.Slice slice) {
        List<Run> runs = version.runs();
        List<Run> inputs = new ArrayList<>(runs.subList(slice.start(), slice.end()));
        return new CompactionTask(directory, inputs, slice.end() == runs.size(), filter);
    }

    /** A task that merges every run of {@code version} into one (a full compaction). */
    public CompactionTask planFull(RunVersion version) {
        // One run is rewritten too when a filter may drop entries (TTL): a full compaction is
        // asked for to apply it, and background merges may already have left a single run.
        if (version.size() == 1 && filter != CompactionFilter.KEEP_ALL) {
            return new CompactionTask(directory, List.of(version.runs().get(0)), true, filter);
        }
        return version.size() < 2
                ? null
                : plan(version, new CompactionPolicy.Slice(0, version.size()));
    }

    /** Write amplification so far; see {@link dev.spillway.backend.store.run.RunStatistics}. */
    public double writeAmplification() {
        return directory.statistics().writeAmplification();
    }
}
