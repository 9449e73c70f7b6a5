package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.run.Run;

import java.util.List;

/**
 * Decides which runs to merge next. Implementations look only at run sizes and order, never at
 * contents, so picking is cheap enough to do on the task thread after every spill.
 */
public interface CompactionPolicy {

    /**
     * Chooses a contiguous slice of the runs to merge, or {@code null} when nothing needs merging.
     *
     * @param newestFirst the live runs, newest first
     * @return the slice as {@code [start, end)} indexes into {@code newestFirst}, at least two runs
     */
    Slice pick(List<Run> newestFirst);

    /** A contiguous slice {@code [start, end)} of the newest-first run list. */
    record Slice(int start, int end) {
        public Slice {
            if (start < 0 || end - start < 2) {
                throw new IllegalArgumentException(
                        "A compaction merges at least two runs, got [" + start + ", " + end + ")");
            }
        }

        public int width() {
            return end - start;
        }
    }
}
