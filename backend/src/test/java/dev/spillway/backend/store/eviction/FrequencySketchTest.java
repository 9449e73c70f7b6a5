package dev.spillway.backend.store.eviction;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FrequencySketchTest {

    @Test
    void countsAccessesUpToFifteen() {
        FrequencySketch sketch = new FrequencySketch(1024);
        assertThat(sketch.frequency(42)).isZero();
        for (int i = 1; i <= 20; i++) {
            sketch.increment(42);
            assertThat(sketch.frequency(42)).isEqualTo(Math.min(i, 15));
        }
    }

    @Test
    void hotKeysStandOutAmongManyColdOnes() {
        FrequencySketch sketch = new FrequencySketch(4096);
        for (int round = 0; round < 8; round++) {
            for (int hot = 0; hot < 16; hot++) {
                sketch.increment(hot * 0x9E3779B9);
            }
        }
        for (int cold = 1000; cold < 4000; cold++) {
            sketch.increment(cold * 0x9E3779B9);
        }
        for (int hot = 0; hot < 16; hot++) {
            assertThat(sketch.frequency(hot * 0x9E3779B9)).isGreaterThanOrEqualTo(8);
        }
        int overestimated = 0;
        for (int cold = 1000; cold < 4000; cold++) {
            if (sketch.frequency(cold * 0x9E3779B9) > 2) {
                overestimated++;
            }
        }
        assertThat(overestimated).isLessThan(30);
    }

    @Test
    void agingHalvesOldPopularity() {
        FrequencySketch sketch = new FrequencySketch(16);
        for (int i = 0; i < 12; i++) {
            sketch.increment(7);
        }
        int before = sketch.frequency(7);
        // Enough distinct increments to pass the sample size (10 x width) and trigger halving.
        for (int i = 0; i < 400; i++) {
            sketch.increment(1_000_003 * (i + 11));
        }
        assertThat(sketch.frequency(7)).isLessThanOrEqualTo(before / 2);
    }

    @Test
    void admissionNeedsARepeatedRead() {
        AdmissionFilter filter = new AdmissionFilter(1024);
        filter.recordAccess(99);
        assertThat(filter.admit(99)).isFalse();
        filter.recordAccess(99);
        assertThat(filter.admit(99)).isTrue();
    }

    @Test
    void averageCountGrowsWithIncrementsAndHalvesWithAging() {
        FrequencySketch sketch = new FrequencySketch(1024); // 1024 words, 4096 counters a row
        assertThat(sketch.averageCount()).isZero();
        for (int i = 0; i < 4 * 1024 * 2; i++) {
            sketch.increment(i * 0x9E3779B9 + 17);
        }
        assertThat(sketch.averageCount()).isEqualTo(2);
        for (int i = 0; i < 4 * 1024 * 2 + 1024; i++) { // past 10 x width: halved
            sketch.increment((i + 100_000) * 0x9E3779B9);
        }
        assertThat(sketch.averageCount()).isLessThanOrEqualTo(1);
    }

    @Test
    void admissionRisesAboveTheNoiseOfManyMoreKeysThanTracked() {
        AdmissionFilter filter = new AdmissionFilter(1024);
        // Twenty times more distinct keys than the sketch tracks, each read once: every counter
        // carries the reads of many keys.
        for (int key = 0; key < 20 * 1024; key++) {
            filter.recordAccess(key * 0x9E3779B9);
        }
        int onceAdmitted = 0;
        int repeatedAdmitted = 0;
        for (int probe = 0; probe < 1000; probe++) {
            int once = (1_000_000 + probe) * 0x9E3779B9;
            filter.recordAccess(once);
            if (filter.admit(once)) {
                onceAdmitted++;
            }
            int repeated = (2_000_000 + probe) * 0x9E3779B9;
            for (int read = 0; read < 6; read++) {
                filter.recordAccess(repeated);
            }
            if (filter.admit(repeated)) {
                repeatedAdmitted++;
            }
        }
        assertThat(onceAdmitted).as("keys read once, admitted").isLessThan(100);
        assertThat(repeatedAdmitted).as("keys read six times, admitted").isGreaterThan(900);
    }
}
