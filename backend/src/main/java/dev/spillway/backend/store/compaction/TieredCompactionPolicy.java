package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.run.Run;

import java.util.List;

/**
 * Size-tiered compaction in the style of RocksDB's universal compaction: runs of similar size are
 * merged together, so each byte is rewritten about once per size tier it climbs, and merges start
 * from the newest runs, so run sizes keep growing with age.
 *
 * <p><b>Picking</b> (runs newest first, sizes {@code s[0..n)}):
 *
 * <ol>
 *   <li>Nothing happens below {@code minMergeWidth} runs.
 *   <li><em>Size ratio.</em> For each start {@code i} from the newest: extend a candidate slice
 *       {@code [i, j)} while {@code s[j] <= sizeRatio * (s[i] + ... + s[j-1])}, i.e. while the next
 *       older run is not much bigger than everything newer in the slice. The first slice of at
 *       least {@code minMergeWidth} runs is merged.
 *   <li><em>Cap.</em> Otherwise, above {@code maxRuns} runs, the newest {@code n - maxRuns + 1}
 *       runs are merged: the smallest merge that gets back under the cap.
 * </ol>
 *
 * <p><b>Why from the newest end.</b> Runs are ordered by age and a merge may only take a
 * contiguous slice (see {@link dev.spillway.backend.store.run.RunVersion}). A policy that buckets
 * runs by size anywhere in the list can leave small runs stranded between two big ones, where
 * every later merge that frees them rewrites a big neighbour: in a simulation of 2000 equal spills
 * with 4 runs per tier, such a bucket policy wrote 62 bytes per spilled byte. Growing the merge
 * from the newest, smallest runs keeps sizes non-decreasing with age and the same simulation (with
 * the defaults) at about 5.6; {@code TieredCompactionPolicyTest} checks a bound of 7.
 *
 * <p><b>Bounds.</b> Read amplification: never more than {@code maxRuns} runs once compaction keeps
 * up; a point miss costs one bloom probe per run, a hit one block read per run that may hold the
 * key. Write amplification: about {@code 1 + log_w(spilled bytes / spill size)} for merge width
 * {@code w}. Space amplification: an overwritten key lives in up to one run per tier until its
 * tier merges. Leveling would cut read and space amplification at several times the write
 * amplification; spill data is local, short-lived and rewritten by checkpoints anyway, so writes
 * matter more here.
 */
public final class TieredCompactionPolicy implements CompactionPolicy {

    private final int minMergeWidth;
    private final double sizeRatio;
    private final int maxRuns;

    /**
     * @param minMergeWidth the fewest runs a size-ratio merge takes, and the run count below which
     *     nothing is merged; at least 2
     * @param sizeRatio how much bigger than all newer runs of a slice the next run may be to join
     *     it; at least 1
     * @param maxRuns hard cap on the number of runs; at least {@code minMergeWidth}
     */
    public TieredCompactionPolicy(int minMergeWidth, double sizeRatio, int maxRuns) {
        if (minMergeWidth < 2) {
            throw new IllegalArgumentException("minMergeWidth must be at least 2, was " + minMergeWidth);
        }
        if (!(sizeRatio >= 1 && sizeRatio <= 100)) {
            throw new IllegalArgumentException("sizeRatio must be between 1 and 100, was " + sizeRatio);
        }
        if (maxRuns < minMergeWidth) {
            throw new IllegalArgumentException(
                    "maxRuns must be at least minMergeWidth (" + minMergeWidth + "), was " + maxRuns);
        }
        this.minMergeWidth = minMergeWidth;
        this.sizeRatio = sizeRatio;
        this.maxRuns = maxRuns;
    }

    /**
     * Merges of at least 4 runs, size ratio 1.2, at most 12 runs. A ratio of exactly 1 stalls on
     * runs of nearly equal size (a spill 1% larger than the one before it ends the slice); 1.2
     * tolerates that jitter.
     */
    public static TieredCompactionPolicy defaults() {
        return new TieredCompactionPolicy(4, 1.2, 12);
    }

    @Override
    public Slice pick(List<Run> newestFirst) {
        long[] sizes = new long[newestFirst.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = newestFirst.get(i).sizeBytes();
        }
        return pick(sizes);
    }

    /** The pick for runs of these sizes, newest first. */
    Slice pick(long[] sizes) {
        int n = sizes.length;
        if (n < minMergeWidth) {
            return null;
        }
        for (int start = 0; start + minMergeWidth <= n; start++) {
            double total = sizes[start];
            int end = start + 1;
            while (end < n && sizes[end] <= sizeRatio * total) {
                total += sizes[end];
                end++;
            }
            if (end - start >= minMergeWidth) {
                return new Slice(start, end);
            }
        }
        return n > maxRuns ? new Slice(0, n - maxRuns + 1) : null;
    }

    @Override
    public String toString() {
        return "TieredCompactionPolicy{minMergeWidth=" + minMergeWidth + ", sizeRatio=" + sizeRatio
                + ", maxRuns=" + maxRuns + '}';
    }
}
