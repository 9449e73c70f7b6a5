package dev.spillway.examples;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Hands every summary to the {@link Verification} registered under an id in this JVM. */
final class VerifyingSink implements Sink<AccountSummary> {

    private final long verificationId;

    VerifyingSink(long verificationId) {
        this.verificationId = verificationId;
    }

    @Override
    public SinkWriter<AccountSummary> createWriter(WriterInitContext context) {
        Verification verification = Verification.lookup(verificationId);
        return new SinkWriter<>() {
            @Override
            public void write(AccountSummary summary, Context context) {
                verification.check(summary);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
