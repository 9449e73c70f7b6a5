package dev.spillway.examples;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The dataflow every example shares: payments → keyed per-account state → verifying sink. Stable
 * operator uids let a savepoint taken by one run (on any backend) restore into another.
 */
final class AccountSpendPipeline {

    static final String OPERATOR = "account-spend";

    private AccountSpendPipeline() {}

    static void attach(
            StreamExecutionEnvironment env, AccountSpendJob.Settings s, long verificationId) {
        env.fromSequence(0, s.events - 1)
                .name("payments")
                .uid("payments")
                .map(new ToSpendEvent(s.accounts, s.merchants))
                .name("to-event")
                .uid("to-event")
                .keyBy(e -> e.account)
                .process(new AccountSpendFunction())
                .name(OPERATOR)
                .uid(OPERATOR)
                .sinkTo(new VerifyingSink<AccountSummary>(verificationId))
                .name("verify")
                .uid("verify");
    }

    /** Turns a sequence number into the payment it stands for. */
    private static final class ToSpendEvent implements MapFunction<Long, SpendEvent> {
        private final int accounts;
        private final int merchants;

        ToSpendEvent(int accounts, int merchants) {
            this.accounts = accounts;
            this.merchants = merchants;
        }

        @Override
        public SpendEvent map(Long i) {
            return new SpendEvent(
                    SpendEvents.account(i, accounts),
                    SpendEvents.merchant(i, merchants),
                    SpendEvents.amountCents(i));
        }
    }
}
