package dev.spillway.backend.state.incremental;

import dev.spillway.backend.store.run.KeyGroupFence;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.StreamStateHandle;

import java.io.IOException;

/**
 * The metadata stream of a Spillway incremental checkpoint:
 *
 * <pre>
 *   int     MAGIC ("SPWY"), int FORMAT_VERSION
 *   KeyedBackendSerializationProxy   key serializer snapshot, meta info of every keyed state and
 *                                    timer queue (Flink's own format, as RocksDB writes it)
 *   int n, n x int                   the store state id of each keyed state, in meta info order
 *   int t, t x int                   per timer queue, in meta info order: its store state id when
 *                                    its timers are entries of the runs, or -1 for heap timers
 *                                    (version 2; in version 1 every queue is a heap queue)
 *   int r, r x (UTF name, long bytes, long entries, int first, int last)
 *                                    the runs, newest first; first..last are the key groups of
 *                                    the file that are current (a run adopted after a rescale and
 *                                    not yet clipped holds stale others), -1..-1 for all of them
 *                                    (version 2; version 1 has no fence)
 *   per heap timer queue, in meta info order:
 *     int g, g x (int key group, int c, c x element)  the timers, by key group
 * </pre>
 *
 * <p>The magic comes first so that a foreign handle is recognised before anything is parsed:
 * RocksDB's metadata starts with its serialization proxy's version (a small number), and RocksDB
 * reading ours fails on the magic as an unknown version.
 */
public final class IncrementalFormat {

    /** "SPWY". */
    public static final int MAGIC = 0x53505759;

    public static final int FORMAT_VERSION = 2;

    /** The first version, whose timers were all heap timers written into the metadata. */
    static final int HEAP_TIMERS_VERSION = 1;

    /** Stands for a heap timer queue in the list of timer store ids. */
    static final int HEAP_TIMERS = -1;

    /** Stands for "every key group of the file is current" in a run's fence. */
    private static final int NO_FENCE = -1;

    private IncrementalFormat() {}

    static void writeFence(KeyGroupFence fence, DataOutputView out) throws IOException {
        out.writeInt(fence == null ? NO_FENCE : fence.first());
        out.writeInt(fence == null ? NO_FENCE : fence.last());
    }

    /** Reads a run's fence and returns the part of {@code shown} that it lets through. */
    static KeyGroupRange readFence(DataInputView in, KeyGroupRange shown) throws IOException {
        int first = in.readInt();
        int last = in.readInt();
        if (first == NO_FENCE && last == NO_FENCE) {
            return shown;
        }
        if (first < 0 || last < first) {
            throw new IOException(
                    "Corrupt Spillway checkpoint metadata: a run's key-group fence is ["
                            + first + ", " + last + "]");
        }
        return shown.getIntersection(KeyGroupRange.of(first, last));
    }

    static void writeHeader(DataOutputView out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(FORMAT_VERSION);
    }

    /**
     * Fails with the way out when the stream is not Spillway's incremental metadata; returns the
     * format version.
     */
    static int checkHeader(DataInputView in, StreamStateHandle metadata) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new ForeignCheckpointException(
                    "The keyed state handle with metadata "
                            + metadata
                            + " is not a Spillway incremental checkpoint (its metadata starts with"
                            + " 0x"
                            + Integer.toHexString(magic)
                            + ", Spillway's with 0x"
                            + Integer.toHexString(MAGIC)
                            + "). It was most likely written by the incremental checkpoints of"
                            + " the rocksdb (or forst) state backend, whose files Spillway cannot"
                            + " read. To move state from rocksdb to Spillway, stop the job with a"
                            + " canonical savepoint on rocksdb (flink stop --type canonical) and"
                            + " start the Spillway job from that savepoint.");
        }
        int version = in.readInt();
        if (version != FORMAT_VERSION && version != HEAP_TIMERS_VERSION) {
            throw new IOException(
                    "The Spillway incremental checkpoint with metadata "
                            + metadata
                            + " has format version "
                            + version
                            + "; this Spillway reads versions "
                            + HEAP_TIMERS_VERSION
                            + " and "
                            + FORMAT_VERSION
                            + ". Restore it with the Spillway version that wrote it and take a"
                            + " canonical savepoint, which every version reads.");
        }
        return version;
    }

    /** A keyed state handle from another backend's incremental checkpoints. */
    public static final class ForeignCheckpointException extends IOException {
        private static final long serialVersionUID = 1L;

        ForeignCheckpointException(String message) {
            super(message);
        }
    }
}
