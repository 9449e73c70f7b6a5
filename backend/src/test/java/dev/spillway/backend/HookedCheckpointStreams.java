package dev.spillway.backend;

import org.apache.flink.runtime.state.CheckpointStateOutputStream;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointedStateScope;
import org.apache.flink.runtime.state.StreamStateHandle;

import java.io.IOException;
import java.util.List;

/** Checkpoint streams of a delegate with a hook before every write: faults and interrupts. */
final class HookedCheckpointStreams implements CheckpointStreamFactory {

    /** Called before each write of a stream with the bytes written so far and about to be. */
    interface WriteHook {
        void beforeWrite(long written, int bytes) throws IOException;
    }

    /** The hook of a new stream of the given scope. */
    interface StreamHook {
        WriteHook open(CheckpointedStateScope scope);
    }

    private final CheckpointStreamFactory delegate;
    private final StreamHook hook;

    HookedCheckpointStreams(CheckpointStreamFactory delegate, StreamHook hook) {
        this.delegate = delegate;
        this.hook = hook;
    }

    @Override
    public CheckpointStateOutputStream createCheckpointStateOutputStream(
            CheckpointedStateScope scope) throws IOException {
        CheckpointStateOutputStream out = delegate.createCheckpointStateOutputStream(scope);
        WriteHook writes = hook.open(scope);
        return new CheckpointStateOutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                writes.beforeWrite(written, 1);
                out.write(b);
                written++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writes.beforeWrite(written, len);
                out.write(b, off, len);
                written += len;
            }

            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void sync() throws IOException {
                out.sync();
            }

            @Override
            public StreamStateHandle closeAndGetHandle() throws IOException {
                return out.closeAndGetHandle();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    @Override
    public boolean canFastDuplicate(StreamStateHandle stateHandle, CheckpointedStateScope scope) {
        return false;
    }

    @Override
    public List<StreamStateHandle> duplicate(
            List<StreamStateHandle> stateHandles, CheckpointedStateScope scope) {
        throw new IllegalStateException("not used by these tests");
    }
}
