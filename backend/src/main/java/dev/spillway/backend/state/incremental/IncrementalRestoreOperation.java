package dev.spillway.backend.state.incremental;

import dev.spillway.backend.state.KeyedStateRegistry;
import dev.spillway.backend.state.RegisteredKvState;
import dev.spillway.backend.state.RestoredTimerQueues;
import dev.spillway.backend.store.AdoptedRun;
import dev.spillway.backend.store.RunStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.core.fs.CloseableRegistry;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.IncrementalLocalKeyedStateHandle;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.RestoreOperation;
import org.apache.flink.runtime.state.StateSerializerProvider;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot.BackendStateType;
import org.apache.flink.util.StateMigrationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Restores Spillway incremental checkpoints by adopting their run files as the store's runs: the
 * files are downloaded (or linked from the local recovery copy) in parallel and opened as they are,
 * so a restore costs a copy of the files, not a re-insert of their entries.
 *
 * <p>Each handle's states are registered under this backend's state ids; a handle whose ids differ
 * (several old subtasks that registered their states in different orders) has its runs rewritten
 * with the new ids (and clipped on the way), on the restoring thread. Runs that keep their ids but
 * hold key groups outside this backend's (rescaling) are opened as they are behind a key-group
 * fence, and the store's compactor rewrites them in the background. Timers kept in the store come
 * with the runs, under this backend's id for their queue; timers the metadata carries (heap
 * queues) are added after the adoption, those of other key groups dropped ({@link
 * RestoredTimerQueues} puts either kind where this backend keeps its timers). When the backend
 * restores exactly one handle of its own key-group range, the
 * handle's files count as confirmed, so the next checkpoint (under CLAIM) uploads only new runs.
 */
public final class IncrementalRestoreOperation<K> implements RestoreOperation<Void> {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalRestoreOperation.class);

    /** What a user can do about a damaged checkpoint. */
    static final String WAY_OUT =
            "The checkpoint's copy of this run is damaged; restore the job from an earlier"
                    + " checkpoint or from a savepoint.";

    private final List<? extends IncrementalKeyedStateHandle> handles;
    private final ClassLoader userCodeClassLoader;
    private final StateSerializerProvider<K> keySerializerProvider;
    private final KeyedStateRegistry<K> registry;
    private final RunStore store;
    private final RestoredTimerQueues timerQueues;
    private final KeyGroupRange keyGroupRange;
    private final CloseableRegistry cancellation;
    private final UploadedRuns uploadedRuns;
    /** Timers of heap queues in the metadata, added once the runs are adopted into the store. */
    private final List<DeferredTimer> deferredTimers = new ArrayList<>();
    private boolean keySerializerChecked;

    private record DeferredTimer(RestoredTimerQueues.Sink sink, int keyGroup, byte[] element) {}

    public IncrementalRestoreOperation(
            List<? extends IncrementalKeyedStateHandle> handles,
            ClassLoader userCodeClassLoader,
            StateSerializerProvider<K> keySerializerProvider,
            KeyedStateRegistry<K> registry,
            RunStore store,
            RestoredTimerQueues timerQueues,
            KeyGroupRange keyGroupRange,
            CloseableRegistry cancellation,
            UploadedRuns uploadedRuns) {
        this.handles = handles;
        this.userCodeClassLoader = userCodeClassLoader;
        this.keySerializerProvider = keySerializerProvider;
        this.registry = registry;
        this.store = store;
        this.timerQueues = timerQueues;
        this.keyGroupRange = keyGroupRange;
        this.cancellation = cancellation;
        this.uploadedRuns = uploadedRuns;
    }

    @Override
    public Void restore() throws Exception {
        long start = System.nanoTime();
        List<AdoptedRun> runs = new ArrayList<>();
        try (RunTransfer transfer = new RunTransfer(cancellation)) {
            for (IncrementalKeyedStateHandle handle : handles) {
                runs.addAll(restoreHandle(handle, transfer));
            }
            transfer.awaitAll();
        }
        try {
            store.adopt(runs);
        } catch (IOException e) {
            throw new IOException(
                    "Cannot restore Spillway keyed state: " + e.getMessage() + " " + WAY_OUT, e);
        }
        // Adoption needs an empty store, so timers from the metadata go in only now.
        for (DeferredTimer timer : deferredTimers) {
            timer.sink().add(timer.keyGroup(), timer.element(), 0, timer.element().length);
        }
        deferredTimers.clear();
        timerQueues.finishAdoption();
        if (handles.size() == 1 && handles.get(0).getKeyGroupRange().equals(keyGroupRange)) {
            uploadedRuns.seed(
                    handles.get(0).getCheckpointId(), handles.get(0).getSharedStateHandles());
        }
        long local =
                handles.stream().filter(h -> h instanceof IncrementalLocalKeyedStateHandle).count();
        LOG.info(
                "Restored {} runs of {} Spillway incremental handle(s) ({} from local recovery"
                        + " copies) for key groups {} in {} ms",
                runs.size(),
                handles.size(),
                local,
                keyGroupRange.prettyPrintInterval(),
                (System.nanoTime() - start) / 1_000_000);
        return null;
    }

    /** Reads the handle's metadata and starts bringing its runs over; returns them to adopt. */
    private List<AdoptedRun> restoreHandle(
            IncrementalKeyedStateHandle handle, RunTransfer transfer) throws Exception {
        StreamStateHandle metadata = handle.getMetaDataStateHandle();
        FSDataInputStream stream = metadata.openInputStream();
        cancellation.registerCloseable(stream);
        try {
            DataInputView in = new DataInputViewStreamWrapper(stream);
            int version = IncrementalFormat.checkHeader(in, metadata);
            KeyedBackendSerializationProxy<K> proxy =
                    new KeyedBackendSerializationProxy<>(userCodeClassLoader);
            proxy.read(in);
            checkKeySerializer(proxy);

            List<StateMetaInfoSnapshot> keyedStates = new ArrayList<>();
            List<StateMetaInfoSnapshot> timerStates = new ArrayList<>();
            for (StateMetaInfoSnapshot metaInfo : proxy.getStateMetaInfoSnapshots()) {
                (metaInfo.getBackendStateType() == BackendStateType.PRIORITY_QUEUE
                                ? timerStates
                                : keyedStates)
                        .add(metaInfo);
            }
            int[] stateIds = stateIds(in, keyedStates);
            int[] timerIds = new int[timerStates.size()];
            Arrays.fill(timerIds, IncrementalFormat.HEAP_TIMERS);
            if (version > IncrementalFormat.HEAP_TIMERS_VERSION) {
                stateIds = timerStoreIds(in, timerStates, timerIds, stateIds);
            }
            List<AdoptedRun> runs = startTransfers(in, version, handle, stateIds, transfer);
            for (int i = 0; i < timerIds.length; i++) {
                if (timerIds[i] == IncrementalFormat.HEAP_TIMERS) {
                    readHeapTimers(in, timerStates.get(i));
                }
            }
            return runs;
        } finally {
            if (cancellation.unregisterCloseable(stream)) {
                stream.close();
            }
        }
    }

    private void checkKeySerializer(KeyedBackendSerializationProxy<K> proxy)
            throws StateMigrationException {
        if (keySerializerChecked) {
            return;
        }
        TypeSerializer<K> current = keySerializerProvider.currentSchemaSerializer();
        TypeSerializerSchemaCompatibility<K> compatibility =
                keySerializerProvider.setPreviousSerializerSnapshotForRestoredState(
                        proxy.getKeySerializerSnapshot());
        if (compatibility.isCompatibleAfterMigration() || compatibility.isIncompatible()) {
            throw new StateMigrationException(
                    "The new key serializer ("
                            + current
                            + ") must be compatible as is with the previous key serializer ("
                            + keySerializerProvider.previousSchemaSerializer()
                            + ").");
        }
        keySerializerChecked = true;
    }

    /** Registers the handle's keyed states; returns this backend's id for each of its ids. */
    private int[] stateIds(DataInputView in, List<StateMetaInfoSnapshot> keyedStates)
            throws IOException {
        int count = in.readInt();
        if (count != keyedStates.size()) {
            throw new IOException(
                    "Corrupt Spillway checkpoint metadata: "
                            + count
                            + " state ids for "
                            + keyedStates.size()
                            + " keyed states");
        }
        int[] oldIds = new int[count];
        int maxOldId = -1;
        for (int i = 0; i < count; i++) {
            oldIds[i] = in.readInt();
            maxOldId = Math.max(maxOldId, oldIds[i]);
        }
        int[] newIds = new int[maxOldId + 1];
        Arrays.fill(newIds, -1);
        for (int i = 0; i < count; i++) {
            RegisteredKvState state = registry.registerRestored(keyedStates.get(i));
            newIds[oldIds[i]] = state.stateId();
        }
        return newIds;
    }

    private List<AdoptedRun> startTransfers(
            DataInputView in,
            int version,
            IncrementalKeyedStateHandle handle,
            int[] stateIds,
            RunTransfer transfer)
            throws IOException {
        Map<String, StreamStateHandle> remoteFiles = new HashMap<>();
        for (HandleAndLocalPath file : handle.getSharedStateHandles()) {
            remoteFiles.put(file.getLocalPath(), file.getHandle());
        }
        if (handle instanceof IncrementalRemoteKeyedStateHandle remote) {
            // Native full checkpoints keep their runs as private state.
            for (HandleAndLocalPath file : remote.getPrivateState()) {
                remoteFiles.put(file.getLocalPath(), file.getHandle());
            }
        }
        Path localDirectory =
                handle instanceof IncrementalLocalKeyedStateHandle local
                        ? local.getDirectoryStateHandle().getDirectory()
                        : null;
        // Of a run, only the key groups of both this backend and the handle are this backend's and
        // current; a run that was fenced when it was checkpointed (adopted after a rescale, not
        // yet clipped) also carries stale key groups of an older topology, possibly inside the
        // handle's range, so its fence narrows that further.
        KeyGroupRange shown = keyGroupRange.getIntersection(handle.getKeyGroupRange());
        int count = in.readInt();
        List<AdoptedRun> runs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            long sizeBytes = in.readLong();
            in.readLong(); // entry count: informational
            KeyGroupRange runShown = shown;
            if (version > IncrementalFormat.HEAP_TIMERS_VERSION) {
                runShown = IncrementalFormat.readFence(in, shown);
            }
            if (runShown.getNumberOfKeyGroups() == 0) {
                continue; // nothing of this run is this backend's: no need to fetch it
            }
            Path target = store.stagingFile();
            if (localDirectory != null) {
                transfer.link(localDirectory.resolve(name), target, name, sizeBytes);
            } else {
                StreamStateHandle file = remoteFiles.get(name);
                if (file == null) {
                    throw new IOException(
                            "The Spillway checkpoint "
                                    + handle.getCheckpointId()
                                    + " lists run "
                                    + name
                                    + " in its metadata but has no file for it. "
                                    + WAY_OUT);
                }
                transfer.download(file, target, name, sizeBytes);
            }
            runs.add(
                    new AdoptedRun(
                            target,
                            name,
                            runShown.getStartKeyGroup(),
                            runShown.getEndKeyGroup(),
                            stateIds));
        }
        return runs;
    }

    /**
     * Reads the store id of each timer queue whose timers are entries of the runs, and maps it to
     * this backend's id for them in the returned copy of {@code stateIds}.
     */
    private int[] timerStoreIds(
            DataInputView in,
            List<StateMetaInfoSnapshot> timerStates,
            int[] timerIds,
            int[] stateIds)
            throws IOException {
        int count = in.readInt();
        if (count != timerStates.size()) {
            throw new IOException(
                    "Corrupt Spillway checkpoint metadata: "
                            + count
                            + " timer store ids for "
                            + timerStates.size()
                            + " timer queues");
        }
        int[] mapped = stateIds;
        for (int i = 0; i < count; i++) {
            int oldId = in.readInt();
            timerIds[i] = oldId;
            if (oldId == IncrementalFormat.HEAP_TIMERS) {
                continue;
            }
            if (oldId >= mapped.length) {
                int oldLength = mapped.length;
                mapped = Arrays.copyOf(mapped, oldId + 1);
                Arrays.fill(mapped, oldLength, mapped.length, -1);
            }
            mapped[oldId] = timerQueues.storeId(timerStates.get(i));
        }
        return mapped;
    }

    /** Reads one heap queue's timers of the metadata; those of this backend's key groups wait. */
    private void readHeapTimers(DataInputView in, StateMetaInfoSnapshot metaInfo)
            throws IOException {
        @SuppressWarnings("unchecked")
        TypeSerializer<Object> elements =
                (TypeSerializer<Object>)
                        metaInfo.getTypeSerializerSnapshot(
                                        StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER)
                                .restoreSerializer();
        RestoredTimerQueues.Sink sink = timerQueues.sink(metaInfo);
        DataOutputSerializer out = new DataOutputSerializer(64);
        int keyGroups = in.readInt();
        for (int g = 0; g < keyGroups; g++) {
            int keyGroup = in.readInt();
            int count = in.readInt();
            boolean owned = keyGroupRange.contains(keyGroup);
            for (int i = 0; i < count; i++) {
                Object element = elements.deserialize(in);
                if (owned) {
                    out.clear();
                    elements.serialize(element, out);
                    deferredTimers.add(new DeferredTimer(sink, keyGroup, out.getCopyOfBuffer()));
                }
            }
        }
    }

    /** Whether the handle is one this operation restores (as opposed to a canonical one). */
    public static boolean restores(KeyedStateHandle handle) {
        return handle instanceof IncrementalRemoteKeyedStateHandle
                || handle instanceof IncrementalLocalKeyedStateHandle;
    }
}
