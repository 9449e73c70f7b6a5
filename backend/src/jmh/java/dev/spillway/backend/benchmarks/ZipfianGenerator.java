package dev.spillway.backend.benchmarks;

import java.util.SplittableRandom;

/**
 * Draws item ranks {@code 0..n-1} with a Zipfian distribution: rank {@code r} is drawn with
 * probability proportional to {@code 1 / (r + 1)^theta}. With the default {@code theta = 0.99}
 * (YCSB's constant) the hottest 1% of 1M items receive about half of all draws.
 *
 * <p>The algorithm is the one YCSB uses, from Gray et al., "Quickly Generating Billion-Record
 * Synthetic Databases" (SIGMOD 1994): after an O(n) precomputation of the generalized harmonic
 * number {@code zeta(n, theta)}, each draw costs one uniform random number and one {@code pow}. It
 * maps the uniform draw {@code u} onto the inverse of an approximation of the distribution
 * function; ranks 0 and 1 are handled exactly because the approximation is worst there.
 *
 * <p>Rank 0 is the hottest item. Callers that use ranks as keys should scramble them (see {@link
 * KeyDistribution#ZIPFIAN}) so that the hot keys are not also the smallest ones, which would
 * favour a backend that keeps keys sorted.
 */
final class ZipfianGenerator {

    /** YCSB's default skew. */
    static final double DEFAULT_THETA = 0.99;

    private final long items;
    private final double theta;
    private final double zetaN;
    private final double alpha;
    private final double eta;
    private final SplittableRandom random;

    ZipfianGenerator(long items, double theta, long seed) {
        if (items < 2) {
            throw new IllegalArgumentException("A Zipfian distribution needs at least 2 items");
        }
        if (theta <= 0 || theta >= 1) {
            throw new IllegalArgumentException("theta must be in (0, 1), was " + theta);
        }
        this.items = items;
        this.theta = theta;
        this.zetaN = zeta(items, theta);
        double zeta2 = zeta(2, theta);
        this.alpha = 1.0 / (1.0 - theta);
        this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetaN);
        this.random = new SplittableRandom(seed);
    }

    /** The next rank, in {@code [0, items)}; 0 is the most frequent. */
    long nextRank() {
        double u = random.nextDouble();
        double uz = u * zetaN;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < 1.0 + Math.pow(0.5, theta)) {
            return 1;
        }
        long rank = (long) (items * Math.pow(eta * u - eta + 1, alpha));
        return Math.min(rank, items - 1);
    }

    /** The generalized harmonic number {@code sum_{i=1..n} 1 / i^theta}. */
    private static double zeta(long n, double theta) {
        double sum = 0;
        for (long i = 1; i <= n; i++) {
            sum += 1 / Math.pow(i, theta);
        }
        return sum;
    }
}
