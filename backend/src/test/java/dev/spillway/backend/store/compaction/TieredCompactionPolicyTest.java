package dev.spillway.backend.store.compaction;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TieredCompactionPolicyTest {

    private static final long MB = 1L << 20;

    private final TieredCompactionPolicy policy = new TieredCompactionPolicy(4, 1.0, 12);

    @Test
    void nothingToDoBelowTheMergeWidth() {
        assertThat(policy.pick(new long[] {MB, MB, MB})).isNull();
        assertThat(policy.pick(new long[0])).isNull();
    }

    @Test
    void nothingToDoWhileSizesGrowFastEnough() {
        assertThat(policy.pick(new long[] {MB, 2 * MB, 4 * MB, 8 * MB, 16 * MB})).isNull();
    }

    @Test
    void mergesSimilarNewestRunsAndStopsAtAMuchBiggerOne() {
        CompactionPolicy.Slice slice = policy.pick(new long[] {MB, MB, 2 * MB, 3 * MB, 100 * MB});
        assertThat(slice).isEqualTo(new CompactionPolicy.Slice(0, 4));
    }

    @Test
    void aSliceMayStartBelowTheNewestRun() {
        // The newest run is tiny next to the next one; the four equal older ones still merge.
        long[] sizes = {MB, 10 * MB, 10 * MB, 10 * MB, 10 * MB};
        assertThat(policy.pick(sizes)).isEqualTo(new CompactionPolicy.Slice(1, 5));
    }

    @Test
    void capMergesTheNewestRunsWhenNoSliceQualifies() {
        long[] sizes = new long[14];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (1L << i) * MB; // each run twice the previous: no size-ratio merge
        }
        assertThat(policy.pick(sizes)).isEqualTo(new CompactionPolicy.Slice(0, 3));
    }

    @Test
    void simulatedSpillsKeepRunsAndWriteAmplificationBounded() {
        // Spill runs of random size and compact whenever asked, with the pessimistic model that a
        // merge is as big as its inputs (no overwrites): the run count stays under the cap and
        // bytes are rewritten about log4(spills) times.
        Random random = new Random(11);
        List<Long> runs = new ArrayList<>();
        long written = 0;
        long spilled = 0;
        for (int spill = 0; spill < 2000; spill++) {
            long size = MB / 4 + random.nextInt((int) (2 * MB));
            runs.add(0, size);
            spilled += size;
            written += size;
            CompactionPolicy.Slice slice;
            while ((slice = policy.pick(runs.stream().mapToLong(Long::longValue).toArray())) != null) {
                long merged = 0;
                for (int i = slice.start(); i < slice.end(); i++) {
                    merged += runs.remove(slice.start());
                }
                runs.add(slice.start(), merged);
                written += merged;
            }
            assertThat(runs.size()).isLessThanOrEqualTo(12);
        }
        assertThat((double) written / spilled).isLessThan(7.0);
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> new TieredCompactionPolicy(1, 1, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minMergeWidth");
        assertThatThrownBy(() -> new TieredCompactionPolicy(4, 0.5, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sizeRatio");
        assertThatThrownBy(() -> new TieredCompactionPolicy(4, 1, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRuns");
        assertThatThrownBy(() -> new CompactionPolicy.Slice(2, 3))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
