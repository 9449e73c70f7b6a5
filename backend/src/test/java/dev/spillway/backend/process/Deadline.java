package dev.spillway.backend.process;

import java.time.Duration;

/**
 * Polls a condition until a deadline and then fails with a message that says what was awaited, so a
 * process test ends with a reason instead of hanging.
 */
final class Deadline {

    /** A condition that may throw: a REST call that fails is retried until the deadline. */
    interface Condition {
        boolean holds() throws Exception;
    }

    private final long deadlineNanos;
    private final Duration timeout;

    private Deadline(Duration timeout) {
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    static Deadline within(Duration timeout) {
        return new Deadline(timeout);
    }

    /**
     * Waits until the condition holds. An exception of the condition is retried (the cluster may
     * not answer yet), an {@link AssertionError} ends the wait at once; at the deadline the last
     * exception is the cause of the failure.
     */
    void await(String what, Condition condition) throws InterruptedException {
        Exception last = null;
        while (System.nanoTime() < deadlineNanos) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what, last);
    }
}
