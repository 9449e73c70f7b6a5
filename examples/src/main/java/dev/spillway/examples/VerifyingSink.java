package dev.spillway.examples;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** Hands every result to the {@link Verification} registered under an id in this JVM. */
final class VerifyingSink<T> implements Sink<T> {

    private final long verificationId;

    VerifyingSink(long verificationId) {
        this.verificationId = verificationId;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Verification<T> verification = Verification.lookup(verificationId);
        return new SinkWriter<>() {
            @Override
            public void write(T result, Context context) {
                verification.check(result);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
