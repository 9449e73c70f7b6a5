package dev.spillway.backend.store;

import java.util.Random;

/** Precomputed key index sequences, so that drawing a key costs an array read in the benchmark. */
final class KeySequences {

    private static final double ZIPF_THETA = 0.99;

    private KeySequences() {}

    static int[] uniform(int keyCount, int samples, Random random) {
        int[] sequence = new int[samples];
        for (int i = 0; i < samples; i++) {
            sequence[i] = random.nextInt(keyCount);
        }
        return sequence;
    }

    /**
     * Zipfian ranks (YCSB's θ = 0.99) drawn by inverting the cumulative distribution, then mapped
     * through a random permutation so that hot keys are scattered over the key space and pages,
     * as hashing user keys would scatter them.
     */
    static int[] zipfian(int keyCount, int samples, Random random) {
        double[] cumulative = new double[keyCount];
        double sum = 0;
        for (int rank = 0; rank < keyCount; rank++) {
            sum += 1.0 / Math.pow(rank + 1, ZIPF_THETA);
            cumulative[rank] = sum;
        }
        int[] permutation = new int[keyCount];
        for (int i = 0; i < keyCount; i++) {
            permutation[i] = i;
        }
        for (int i = keyCount - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = swap;
        }
        int[] sequence = new int[samples];
        for (int i = 0; i < samples; i++) {
            double target = random.nextDouble() * sum;
            int low = 0;
            int high = keyCount - 1;
            while (low < high) {
                int middle = (low + high) >>> 1;
                if (cumulative[middle] < target) {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            sequence[i] = permutation[low];
        }
        return sequence;
    }
}
