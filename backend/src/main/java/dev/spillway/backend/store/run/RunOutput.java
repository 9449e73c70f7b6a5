package dev.spillway.backend.store.run;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a {@link RunWriter} puts its bytes: a file opened for writing, reduced to the three
 * operations the writer needs. It exists so that the I/O layer can be wrapped — tests inject a
 * full disk through it, and a store could add write throttling — without touching the writer.
 */
public interface RunOutput extends Closeable {

    /** Writes all remaining bytes of the buffer. */
    void write(ByteBuffer bytes) throws IOException;

    /** Forces written bytes to the device (fsync). */
    void sync() throws IOException;

    /** Opens outputs on files. */
    @FunctionalInterface
    interface Factory {
        /** Creates the file, which must not exist yet, and opens it for writing. */
        RunOutput create(Path file) throws IOException;

        /**
         * Whether a finished run must survive a crash: then the writer's {@link #sync()} forces
         * the file and the directory is synced after the rename into place. Outputs whose runs
         * never outlive the process skip both.
         */
        default boolean durable() {
            return true;
        }
    }

    /** The real thing: a {@link FileChannel} on a new file. */
    Factory FILES =
            file -> {
                FileChannel channel =
                        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new RunOutput() {
                    @Override
                    public void write(ByteBuffer bytes) throws IOException {
                        while (bytes.hasRemaining()) {
                            channel.write(bytes);
                        }
                    }

                    @Override
                    public void sync() throws IOException {
                        channel.force(true);
                    }

                    @Override
                    public void close() throws IOException {
                        channel.close();
                    }
                };
            };
}
