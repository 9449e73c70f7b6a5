package dev.spillway.backend.state.incremental;

import org.apache.flink.runtime.checkpoint.filemerging.FileMergingSnapshotManager;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.PlaceholderStreamStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which run files earlier checkpoints of one backend uploaded, by run name, and which of those a
 * new checkpoint may refer to instead of uploading again.
 *
 * <p>Only files of the last <em>confirmed</em> checkpoint are reused: the files of a checkpoint
 * that later fails or is subsumed unconfirmed may already be deleted by the JobManager. As in
 * RocksDB, a file that a checkpoint after the confirmed one uploaded again (because it was taken
 * before the confirmation arrived) is not reused from the confirmed one, since subsuming that
 * confirmed checkpoint would delete its copy.
 *
 * <p>Thread-safe: the task thread takes the base and receives notifications, asynchronous snapshot
 * threads record their uploads.
 */
public final class UploadedRuns {

    /** A base that reuses nothing (full upload: first checkpoint, FORWARD or NO_SHARING). */
    public static final Base NOTHING =
            new Base(Collections.emptyMap(), -1, Collections.emptySet());

    private final SortedMap<Long, List<HandleAndLocalPath>> uploaded = new TreeMap<>();
    private long lastCompletedCheckpointId = -1;

    /** The files a checkpoint taken now may refer to by placeholder. */
    public synchronized Base base() {
        Map<String, StreamStateHandle> confirmed = null;
        for (Map.Entry<Long, List<HandleAndLocalPath>> checkpoint :
                uploaded.tailMap(lastCompletedCheckpointId).entrySet()) {
            if (checkpoint.getKey() == lastCompletedCheckpointId) {
                confirmed = new HashMap<>();
                for (HandleAndLocalPath run : checkpoint.getValue()) {
                    confirmed.put(run.getLocalPath(), run.getHandle());
                }
            } else if (confirmed == null) {
                break;
            } else {
                for (HandleAndLocalPath run : checkpoint.getValue()) {
                    if (!(run.getHandle() instanceof PlaceholderStreamStateHandle)) {
                        confirmed.remove(run.getLocalPath());
                    }
                }
            }
        }
        Set<String> uploadedBefore = new HashSet<>();
        for (List<HandleAndLocalPath> checkpoint : uploaded.values()) {
            for (HandleAndLocalPath run : checkpoint) {
                if (!(run.getHandle() instanceof PlaceholderStreamStateHandle)) {
                    uploadedBefore.add(run.getLocalPath());
                }
            }
        }
        return confirmed == null
                ? new Base(Collections.emptyMap(), -1, uploadedBefore)
                : new Base(confirmed, lastCompletedCheckpointId, uploadedBefore);
    }

    /** Records the runs a checkpoint consists of (uploaded or referred to). */
    public synchronized void record(long checkpointId, Collection<HandleAndLocalPath> runs) {
        uploaded.put(checkpointId, List.copyOf(runs));
    }

    /**
     * Starts from a restored checkpoint: its files are confirmed (the JobManager registered them
     * when it restored), so a CLAIM restore's next checkpoint refers to them.
     */
    public synchronized void seed(long checkpointId, Collection<HandleAndLocalPath> runs) {
        uploaded.clear();
        uploaded.put(checkpointId, List.copyOf(runs));
        lastCompletedCheckpointId = checkpointId;
    }

    /** A savepoint's id was never recorded, so its confirmation changes nothing. */
    public synchronized void complete(long checkpointId) {
        if (checkpointId > lastCompletedCheckpointId && uploaded.containsKey(checkpointId)) {
            uploaded.headMap(checkpointId).clear();
            lastCompletedCheckpointId = checkpointId;
        }
    }

    public synchronized void abort(long checkpointId) {
        uploaded.remove(checkpointId);
    }

    /** The last confirmed checkpoint whose files are reused, or -1. */
    public synchronized long lastCompletedCheckpointId() {
        return lastCompletedCheckpointId;
    }

    /** The confirmed files as of one moment. */
    public static final class Base {

        private final Map<String, StreamStateHandle> confirmed;
        private final long checkpointId;
        /** Runs some recorded checkpoint uploaded, whether or not they may be referred to. */
        private final Set<String> uploadedBefore;

        private Base(
                Map<String, StreamStateHandle> confirmed,
                long checkpointId,
                Set<String> uploadedBefore) {
            this.confirmed = confirmed;
            this.checkpointId = checkpointId;
            this.uploadedBefore = uploadedBefore;
        }

        /**
         * A placeholder for the confirmed upload of the run, which the JobManager's shared state
         * registry replaces with that upload; empty when the run must be uploaded.
         */
        public Optional<StreamStateHandle> placeholder(String runName) {
            StreamStateHandle handle = confirmed.get(runName);
            if (handle == null) {
                return Optional.empty();
            }
            return Optional.of(
                    new PlaceholderStreamStateHandle(
                            handle.getStreamStateHandleID(),
                            handle.getStateSize(),
                            FileMergingSnapshotManager.isFileMergingHandle(handle)));
        }

        /** The confirmed checkpoint whose files this base refers to, or -1. */
        long checkpointId() {
            return checkpointId;
        }

        /**
         * Whether a recorded checkpoint uploaded the run already although this base may not refer
         * to it (that checkpoint was not confirmed yet): uploading it again is the price of a
         * confirmation that had not arrived, which the upload summary reports.
         */
        boolean uploadedBefore(String runName) {
            return uploadedBefore.contains(runName) && !confirmed.containsKey(runName);
        }
    }
}
