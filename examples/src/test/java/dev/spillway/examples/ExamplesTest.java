package dev.spillway.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the examples small: the same code paths as README command 1, on an embedded MiniCluster
 * with Spillway, each ending in its own verification against the independent computation.
 */
@Timeout(300)
class ExamplesTest {

    @Test
    void accountSpendJobVerifiesOnSpillway() throws Exception {
        AccountSpendJob.Settings s = small();
        // A few MiB of managed memory for well over that much state: the backend must spill.
        s.managedMemory = "4m";
        assertThat(AccountSpendJob.run(s)).isTrue();
    }

    @Test
    void backendSwitchFromHashmapToSpillwayKeepsEveryValue() throws Exception {
        AccountSpendJob.Settings s = small();
        s.events = 600_000;
        assertThat(
                        BackendSwitchJob.run(
                                s, "hashmap", AccountSpendJob.SPILLWAY_FACTORY, 0.4))
                .isTrue();
    }

    @Test
    void registeredTypesSurviveARenumberingAndAMissingClassIsRefused() throws Exception {
        AccountSpendJob.Settings s = small();
        s.events = 600_000;
        assertThat(RegisteredTypesJob.run(s)).isTrue();
    }

    private static AccountSpendJob.Settings small() {
        AccountSpendJob.Settings s = new AccountSpendJob.Settings();
        s.accounts = 20_000;
        s.merchants = 16;
        s.events = 400_000;
        s.parallelism = 2;
        s.managedMemory = "16m";
        s.validate();
        return s;
    }
}
