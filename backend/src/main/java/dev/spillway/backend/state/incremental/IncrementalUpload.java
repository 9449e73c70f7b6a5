package dev.spillway.backend.state.incremental;

import dev.spillway.backend.store.SnapshotRun;
import dev.spillway.backend.store.run.MergedInput;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.SnapshotType.SharingFilesStrategy;
import org.apache.flink.runtime.state.CheckpointStateOutputStream;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.CheckpointStreamWithResultProvider;
import org.apache.flink.runtime.state.CheckpointedStateScope;
import org.apache.flink.runtime.state.DirectoryStateHandle;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalLocalKeyedStateHandle;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.LocalRecoveryConfig;
import org.apache.flink.runtime.state.SnapshotResult;
import org.apache.flink.runtime.state.StateUtil;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FileUtils;
import org.apache.flink.util.IOUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The asynchronous part of one incremental checkpoint. Everything it created is discarded when it
 * fails, so a failed checkpoint leaves neither uploaded files nor a local copy behind.
 */
final class IncrementalUpload {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalUpload.class);

    /** Runs uploaded at once. */
    static final int UPLOAD_THREADS = 4;

    private final long checkpointId;
    private final IncrementalSnapshotResources resources;
    private final UploadedRuns.Base base;
    private final SharingFilesStrategy sharing;
    private final CheckpointStreamFactory streamFactory;
    private final TypeSerializer<?> keySerializer;
    private final KeyGroupRange keyGroupRange;
    private final UUID backendId;
    @Nullable private final LocalRecoveryConfig localRecovery;
    /** Whether the runs go into the handle's private state (native full checkpoints). */
    private final boolean privateFiles;
    private final List<HandleAndLocalPath> runs = new ArrayList<>();

    IncrementalUpload(
            long checkpointId,
            IncrementalSnapshotResources resources,
            UploadedRuns.Base base,
            SharingFilesStrategy sharing,
            CheckpointStreamFactory streamFactory,
            TypeSerializer<?> keySerializer,
            KeyGroupRange keyGroupRange,
            UUID backendId,
            @Nullable LocalRecoveryConfig localRecovery,
            boolean privateFiles) {
        this.checkpointId = checkpointId;
        this.resources = resources;
        this.base = base;
        this.sharing = sharing;
        this.streamFactory = streamFactory;
        this.keySerializer = keySerializer;
        this.keyGroupRange = keyGroupRange;
        this.backendId = backendId;
        this.localRecovery = localRecovery;
        this.privateFiles = privateFiles;
    }

    /** The checkpoint's runs, uploaded or referred to; valid after {@link #run}. */
    List<HandleAndLocalPath> runs() {
        return runs;
    }

    SnapshotResult<KeyedStateHandle> run(CloseableRegistry cancellation) throws Exception {
        List<SnapshotRun> files = resources.view.persist();
        UploadSummary summary = new UploadSummary();
        List<SnapshotRun> listed = listed(files, summary);
        CloseableRegistry created = new CloseableRegistry();
        List<StreamStateHandle> reused = new ArrayList<>();
        Path localDirectory = null;
        boolean completed = false;
        try {
            CheckpointedStateScope scope =
                    sharing == SharingFilesStrategy.NO_SHARING
                            ? CheckpointedStateScope.EXCLUSIVE
                            : CheckpointedStateScope.SHARED;
            long uploadedBytes = 0;
            List<SnapshotRun> toUpload = new ArrayList<>();
            for (SnapshotRun file : listed) {
                if (base.placeholder(file.name()).isEmpty()) {
                    toUpload.add(file);
                }
            }
            List<StreamStateHandle> uploads = uploadAll(toUpload, scope, cancellation, created);
            int next = 0;
            for (SnapshotRun file : listed) {
                Optional<StreamStateHandle> placeholder = base.placeholder(file.name());
                if (placeholder.isPresent()) {
                    reused.add(placeholder.get());
                    runs.add(HandleAndLocalPath.of(placeholder.get(), file.name()));
                    summary.referred(file);
                } else {
                    StreamStateHandle uploaded = uploads.get(next++);
                    uploadedBytes += uploaded.getStateSize();
                    runs.add(HandleAndLocalPath.of(uploaded, file.name()));
                    summary.uploaded(file, base.uploadedBefore(file.name()));
                }
            }
            SnapshotResult<StreamStateHandle> metadata = writeMetadata(listed, cancellation);
            created.registerCloseable(() -> StateUtil.discardStateObjectQuietly(metadata));
            StreamStateHandle remoteMetadata = metadata.getJobManagerOwnedSnapshot();
            if (LOG.isDebugEnabled()) {
                LOG.debug(
                        "{} ({})",
                        summary.describe(
                                checkpointId, base.checkpointId(), remoteMetadata.getStateSize()),
                        keyGroupRange);
            }
            IncrementalRemoteKeyedStateHandle remote =
                    new IncrementalRemoteKeyedStateHandle(
                            backendId,
                            keyGroupRange,
                            checkpointId,
                            privateFiles ? Collections.emptyList() : runs,
                            privateFiles ? runs : Collections.emptyList(),
                            remoteMetadata,
                            uploadedBytes + remoteMetadata.getStateSize());
            SnapshotResult<KeyedStateHandle> result = SnapshotResult.of(remote);
            if (localRecovery != null && metadata.getTaskLocalSnapshot() != null) {
                localDirectory = localDirectory();
                linkRuns(files, localDirectory);
                result =
                        SnapshotResult.withLocalState(
                                remote,
                                new IncrementalLocalKeyedStateHandle(
                                        backendId,
                                        checkpointId,
                                        DirectoryStateHandle.forPathWithSize(localDirectory),
                                        keyGroupRange,
                                        metadata.getTaskLocalSnapshot(),
                                        runs));
            }
            completed = true;
            return result;
        } finally {
            if (completed) {
                streamFactory.reusePreviousStateHandle(reused);
            } else {
                IOUtils.closeQuietly(created);
                if (localDirectory != null) {
                    FileUtils.deleteDirectoryQuietly(localDirectory.toFile());
                }
            }
        }
    }

    /**
     * The runs the checkpoint lists, newest first: the view's files, except that a compaction
     * output that is exactly the merge of runs the confirmed checkpoint holds is listed as those
     * runs, referred to by placeholder instead of uploaded. They resolve to the same entries in the
     * same place (the output took their slice of the run order), the JobManager keeps their
     * uploads while a checkpoint refers to them, and a restore adopts them as runs to be merged
     * again. A store merges the runs of recent checkpoints every few checkpoints; without this,
     * each such merge was uploaded again whole by the next checkpoint (measured in the checkpoint
     * benchmark: an output of about four checkpoints' snapshot runs in roughly every other
     * checkpoint of a two-subtask job). Only one level deep: a merge of such outputs, whose inputs
     * were never uploaded, is uploaded, so a checkpoint never refers to runs older than the
     * confirmed checkpoint's. Not with local recovery, whose copy holds the view's files
     * themselves, and never for a fenced run.
     */
    private List<SnapshotRun> listed(List<SnapshotRun> files, UploadSummary summary) {
        if (localRecovery != null || sharing != SharingFilesStrategy.FORWARD_BACKWARD) {
            return files;
        }
        List<SnapshotRun> listed = new ArrayList<>(files.size());
        for (SnapshotRun file : files) {
            if (base.placeholder(file.name()).isEmpty() && inputsConfirmed(file)) {
                summary.listedAsInputs(file);
                for (MergedInput input : file.mergedFrom()) {
                    listed.add(SnapshotRun.mergedInput(input));
                }
            } else {
                listed.add(file);
            }
        }
        return listed;
    }

    private boolean inputsConfirmed(SnapshotRun file) {
        if (file.mergedFrom().isEmpty() || file.fence() != null) {
            return false;
        }
        for (MergedInput input : file.mergedFrom()) {
            if (base.placeholder(input.name()).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Uploads the files, up to {@value #UPLOAD_THREADS} at a time (as RocksDB's {@code
     * checkpoint.transfer.thread.num} default): against remote checkpoint storage each upload
     * waits mostly on the network, and a checkpoint after a compaction or a NO_CLAIM restore has
     * several files to send. One file goes up on the calling thread. Every handle created is
     * registered with {@code created} before this returns or throws, so a failure discards the
     * uploads that completed. After a failure the other uploads still run to their end (they are
     * not interrupted: a cancelled task could drop a handle it had just created, and the file
     * would be left in checkpoint storage), then the first failure is thrown. A cancelled
     * checkpoint closes their streams through {@code cancellation}.
     */
    private List<StreamStateHandle> uploadAll(
            List<SnapshotRun> files,
            CheckpointedStateScope scope,
            CloseableRegistry cancellation,
            CloseableRegistry created)
            throws IOException {
        List<StreamStateHandle> handles = new ArrayList<>();
        if (files.size() <= 1) {
            for (SnapshotRun file : files) {
                StreamStateHandle uploaded = upload(file, scope, cancellation);
                created.registerCloseable(() -> StateUtil.discardStateObjectQuietly(uploaded));
                handles.add(uploaded);
            }
            return handles;
        }
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        Math.min(UPLOAD_THREADS, files.size()),
                        task -> {
                            Thread thread = new Thread(task, "spillway-upload-" + checkpointId);
                            thread.setDaemon(true);
                            return thread;
                        });
        List<Future<StreamStateHandle>> pending = new ArrayList<>();
        try {
            for (SnapshotRun file : files) {
                pending.add(pool.submit(() -> upload(file, scope, cancellation)));
            }
            Throwable failure = null;
            for (Future<StreamStateHandle> upload : pending) {
                try {
                    StreamStateHandle uploaded = upload.get();
                    created.registerCloseable(
                            () -> StateUtil.discardStateObjectQuietly(uploaded));
                    handles.add(uploaded);
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                } catch (InterruptedException e) {
                    // Flink cancels the checkpoint: the streams are closed through the
                    // cancellation registry, so the uploads end soon; collect them first.
                    Thread.currentThread().interrupt();
                    if (failure == null) {
                        failure = new InterruptedIOException("Interrupted while uploading runs");
                    }
                    collectAfterInterrupt(upload, created);
                }
            }
            if (failure != null) {
                ExceptionUtils.rethrowIOException(failure);
            }
            return handles;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits, ignoring further interrupts, for an upload and registers its handle for discard. */
    private static void collectAfterInterrupt(
            Future<StreamStateHandle> upload, CloseableRegistry created) {
        boolean done = false;
        while (!done) {
            try {
                StreamStateHandle uploaded = upload.get();
                created.registerCloseable(() -> StateUtil.discardStateObjectQuietly(uploaded));
                done = true;
            } catch (InterruptedException again) {
                // keep waiting; the interrupt flag is set again below
            } catch (ExecutionException | IOException failed) {
                done = true;
            }
        }
        Thread.currentThread().interrupt();
    }

    private StreamStateHandle upload(
            SnapshotRun file, CheckpointedStateScope scope, CloseableRegistry cancellation)
            throws IOException {
        CheckpointStateOutputStream out = streamFactory.createCheckpointStateOutputStream(scope);
        cancellation.registerCloseable(out);
        try {
            Files.copy(file.file(), out);
            if (!cancellation.unregisterCloseable(out)) {
                throw new IOException(
                        "The checkpoint was cancelled while uploading " + file.name());
            }
            return out.closeAndGetHandle();
        } finally {
            if (cancellation.unregisterCloseable(out)) {
                IOUtils.closeQuietly(out);
            }
        }
    }

    private SnapshotResult<StreamStateHandle> writeMetadata(
            List<SnapshotRun> files, CloseableRegistry cancellation) throws Exception {
        CheckpointStreamWithResultProvider stream =
                localRecovery != null
                        ? CheckpointStreamWithResultProvider.createDuplicatingStream(
                                checkpointId,
                                CheckpointedStateScope.EXCLUSIVE,
                                streamFactory,
                                localRecovery
                                        .getLocalStateDirectoryProvider()
                                        .orElseThrow(LocalRecoveryConfig.localRecoveryNotEnabled()))
                        : CheckpointStreamWithResultProvider.createSimpleStream(
                                CheckpointedStateScope.EXCLUSIVE, streamFactory);
        cancellation.registerCloseable(stream);
        try {
            DataOutputView out =
                    new DataOutputViewStreamWrapper(stream.getCheckpointOutputStream());
            IncrementalFormat.writeHeader(out);
            // Runs are compressed block by block already; the proxy's flag is about key groups.
            new KeyedBackendSerializationProxy<>(keySerializer, resources.metaInfos, false)
                    .write(out);
            out.writeInt(resources.stateIds.length);
            for (int stateId : resources.stateIds) {
                out.writeInt(stateId);
            }
            out.writeInt(resources.timerStoreIds.length);
            for (int stateId : resources.timerStoreIds) {
                out.writeInt(stateId);
            }
            out.writeInt(files.size());
            for (SnapshotRun file : files) {
                out.writeUTF(file.name());
                out.writeLong(file.sizeBytes());
                out.writeLong(file.entryCount());
                IncrementalFormat.writeFence(file.fence(), out);
            }
            for (IncrementalSnapshotResources.TimerSnapshot timers : resources.timers) {
                writeTimers(timers, out);
            }
            if (!cancellation.unregisterCloseable(stream)) {
                throw new IOException("The checkpoint was cancelled while writing its metadata");
            }
            return stream.closeAndFinalizeCheckpointStreamResult();
        } finally {
            if (cancellation.unregisterCloseable(stream)) {
                IOUtils.closeQuietly(stream);
            }
        }
    }

    private void writeTimers(IncrementalSnapshotResources.TimerSnapshot timers, DataOutputView out)
            throws IOException {
        out.writeInt(keyGroupRange.getNumberOfKeyGroups());
        for (int keyGroup : keyGroupRange) {
            int count = 0;
            for (Iterator<?> it = timers.queue().getIteratorForKeyGroup(keyGroup); it.hasNext(); ) {
                it.next();
                count++;
            }
            out.writeInt(keyGroup);
            out.writeInt(count);
            for (Iterator<?> it = timers.queue().getIteratorForKeyGroup(keyGroup); it.hasNext(); ) {
                timers.elements().serialize(it.next(), out);
            }
        }
    }

    /** This backend's directory in the checkpoint's local state directory, created empty. */
    private Path localDirectory() throws IOException {
        File checkpointDirectory =
                localRecovery
                        .getLocalStateDirectoryProvider()
                        .orElseThrow(LocalRecoveryConfig.localRecoveryNotEnabled())
                        .subtaskSpecificCheckpointDirectory(checkpointId);
        // Two keyed operators chained in one task share the checkpoint directory.
        Path directory =
                checkpointDirectory.toPath().resolve(backendId.toString().replace("-", ""));
        if (Files.exists(directory)) {
            FileUtils.deleteDirectory(directory.toFile());
        }
        Files.createDirectories(directory);
        return directory;
    }

    /**
     * Hard links cost no copy and keep the bytes after the store deletes its own link; a copy is
     * the fallback where links are impossible (another file system).
     */
    private static void linkRuns(List<SnapshotRun> files, Path directory) throws IOException {
        for (SnapshotRun file : files) {
            Path target = directory.resolve(file.name());
            try {
                Files.createLink(target, file.file());
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("Cannot hard link {} into {}; copying it", file.file(), directory, e);
                Files.copy(file.file(), target);
            }
        }
    }
}
