package dev.spillway.backend.store.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Real file outputs that run out of space on demand: once {@link #failAfter(long)} is armed, the
 * write that would exceed the remaining byte budget writes what fits and then throws the
 * {@code IOException} a full disk gives.
 */
public final class DiskFullOutputs implements RunOutput.Factory {

    private long remaining = Long.MAX_VALUE;
    private boolean failSync;

    /** Lets {@code bytes} more bytes through (over all files), then fails. */
    public synchronized DiskFullOutputs failAfter(long bytes) {
        remaining = bytes;
        return this;
    }

    /** Makes every fsync fail. */
    public synchronized DiskFullOutputs failSync() {
        failSync = true;
        return this;
    }

    @Override
    public RunOutput create(Path file) throws IOException {
        RunOutput real = RunOutput.FILES.create(file);
        return new RunOutput() {
            @Override
            public void write(ByteBuffer bytes) throws IOException {
                synchronized (DiskFullOutputs.this) {
                    if (bytes.remaining() > remaining) {
                        ByteBuffer fits = bytes.duplicate();
                        fits.limit(fits.position() + (int) remaining);
                        real.write(fits);
                        remaining = 0;
                        throw new IOException("No space left on device");
                    }
                    remaining -= bytes.remaining();
                }
                real.write(bytes);
            }

            @Override
            public void sync() throws IOException {
                synchronized (DiskFullOutputs.this) {
                    if (failSync) {
                        throw new IOException("Input/output error");
                    }
                }
                real.sync();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }
}
