package dev.spillway.backend.store.compaction;

import dev.spillway.backend.store.run.Run;

import java.util.List;

/**
 * Size-tiered compaction: runs of similar size are merged together once there are enough of them,
 * so each byte is rewritten about once per tier it climbs.
 *
 * <p><b>Tiers.</b> A run of {@code s} bytes belongs to tier 0 when {@code s <= baseRunBytes} and to
 * tier {@code 1 + floor(log_ratio(s / baseRunBytes))} above that: with a base of 4 MiB and a ratio
 * of 4, tier 1 holds runs up to 16 MiB, tier 2 up to 64 MiB, and so on.
 *
 * <p><b>Picking.</b> Walking the runs newest first, consecutive runs of the same tier form a group.
 * The lowest-tier group with at least {@code runsPerTier} runs is merged whole (lowest first:
 * small merges are cheap and usually produce the run that completes the next tier). If no group is
 * full but there are more than {@code maxRuns} runs — which happens when sizes interleave, e.g.
 * after tombstone-heavy merges shrank a run — the adjacent {@code runsPerTier} runs with the
 * fewest bytes are merged, the cheapest step that lowers the count.
 *
 * <p><b>Bounds.</b> Once compaction keeps up, a store of {@code B} bytes has fewer than {@code
 * runsPerTier} runs per tier and about {@code log_ratio(B / baseRunBytes) + 1} tiers, and never
 * more than {@code maxRuns} runs: the read amplification of a point miss is bounded by that run
 * count (each costs a bloom probe; a hit costs one block read per run that may hold the key). Write
 * amplification is about the number of tiers plus one (the spill itself). Leveling would cut
 * read and space amplification further at the price of several times the write amplification;
 * spill data is short-lived and rewritten by checkpoints anyway, so writes matter more here.
 */
public final class TieredCompactionPolicy implements CompactionPolicy {

    private final int runsPerTier;
    private final double ratio;
    private final long baseRunBytes;
    private final int maxRuns;

    /**
     * @param runsPerTier how many same-tier runs trigger a merge, at least 2
     * @param ratio size ratio between consecutive tiers, at least 2
     * @param baseRunBytes the largest run of tier 0 (about the size of one spill), at least 1
     * @param maxRuns hard cap on the number of runs, at least {@code runsPerTier}
     */
    public TieredCompactionPolicy(int runsPerTier, double ratio, long baseRunBytes, int maxRuns) {
        if (runsPerTier < 2) {
            throw new IllegalArgumentException("runsPerTier must be at least 2, was " + runsPerTier);
        }
        if (!(ratio >= 2)) {
            throw new IllegalArgumentException("Tier size ratio must be at least 2, was " + ratio);
        }
        if (baseRunBytes < 1) {
            throw new IllegalArgumentException("baseRunBytes must be at least 1, was " + baseRunBytes);
        }
        if (maxRuns < runsPerTier) {
            throw new IllegalArgumentException(
                    "maxRuns must be at least runsPerTier (" + runsPerTier + "), was " + maxRuns);
        }
        this.runsPerTier = runsPerTier;
        this.ratio = ratio;
        this.baseRunBytes = baseRunBytes;
        this.maxRuns = maxRuns;
    }

    /** Four runs per tier, ratio 4, 4 MiB base, at most 16 runs. */
    public static TieredCompactionPolicy defaults() {
        return new TieredCompactionPolicy(4, 4, 4L << 20, 16);
    }

    @Override
    public Slice pick(List<Run> newestFirst) {
        Slice full = lowestFullTier(newestFirst);
        if (full != null) {
            return full;
        }
        return newestFirst.size() > maxRuns ? cheapestWindow(newestFirst) : null;
    }

    /** The tier a run of that many bytes belongs to. */
    int tierOf(long bytes) {
        if (bytes <= baseRunBytes) {
            return 0;
        }
        return 1 + (int) Math.floor(Math.log((double) bytes / baseRunBytes) / Math.log(ratio));
    }

    private Slice lowestFullTier(List<Run> runs) {
        Slice best = null;
        int bestTier = Integer.MAX_VALUE;
        int start = 0;
        while (start < runs.size()) {
            int tier = tierOf(runs.get(start).sizeBytes());
            int end = start + 1;
            while (end < runs.size() && tierOf(runs.get(end).sizeBytes()) == tier) {
                end++;
            }
            if (end - start >= runsPerTier && tier < bestTier) {
                best = new Slice(start, end);
                bestTier = tier;
            }
            start = end;
        }
        return best;
    }

    private Slice cheapestWindow(List<Run> runs) {
        int bestStart = 0;
        long bestBytes = Long.MAX_VALUE;
        for (int start = 0; start + runsPerTier <= runs.size(); start++) {
            long bytes = 0;
            for (int i = start; i < start + runsPerTier; i++) {
                bytes += runs.get(i).sizeBytes();
            }
            if (bytes < bestBytes) {
                bestBytes = bytes;
                bestStart = start;
            }
        }
        return new Slice(bestStart, bestStart + runsPerTier);
    }

    @Override
    public String toString() {
        return "TieredCompactionPolicy{runsPerTier=" + runsPerTier + ", ratio=" + ratio
                + ", baseRunBytes=" + baseRunBytes + ", maxRuns=" + maxRuns + '}';
    }
}
