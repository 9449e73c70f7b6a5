package dev.spillway.examples;

import java.util.Objects;

/** What the job reports for one account once the input has ended; a Flink POJO. */
public class AccountSummary {
    public int account;
    public long payments;
    public long totalCents;
    public int merchants;
    /** Sum over merchants of (merchant + 1) × spend there: checks every MapState entry. */
    public long merchantChecksum;

    public AccountSummary() {}

    AccountSummary(int account, long payments, long totalCents, int merchants, long checksum) {
        this.account = account;
        this.payments = payments;
        this.totalCents = totalCents;
        this.merchants = merchants;
        this.merchantChecksum = checksum;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AccountSummary)) {
            return false;
        }
        AccountSummary that = (AccountSummary) o;
        return account == that.account
                && payments == that.payments
                && totalCents == that.totalCents
                && merchants == that.merchants
                && merchantChecksum == that.merchantChecksum;
    }

    @Override
    public int hashCode() {
        return Objects.hash(account, payments, totalCents, merchants, merchantChecksum);
    }

    @Override
    public String toString() {
        return "account "
                + account
                + ": payments="
                + payments
                + " total="
                + totalCents
                + " merchants="
                + merchants
                + " checksum="
                + merchantChecksum;
    }
}
