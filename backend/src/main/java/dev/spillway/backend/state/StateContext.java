package dev.spillway.backend.state;

import dev.spillway.backend.store.StateStore;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.ttl.TtlTimeProvider;

import javax.annotation.Nullable;

import java.io.IOException;

/**
 * What every state of one keyed backend shares: the store, the current-key builder and the facts
 * about the key space. Owned and used by the task thread only.
 */
public final class StateContext<K> {

    private final StateStore store;
    private final StateKeyBuilder<K> keys;
    private final TypeSerializer<K> keySerializer;
    private final KeyGroupRange keyGroupRange;
    private final int numberOfKeyGroups;
    private final TtlTimeProvider ttlTimeProvider;
    private final StorageLevels storageLevels;

    /** The object tier, or {@code null} when no state may use one. */
    @Nullable private final ObjectTier objectTier;

    /** A context whose states all keep the serialized level. */
    public StateContext(
            StateStore store,
            TypeSerializer<K> keySerializer,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            TtlTimeProvider ttlTimeProvider) {
        this(
                store,
                keySerializer,
                keyGroupRange,
                numberOfKeyGroups,
                ttlTimeProvider,
                StorageLevels.all(StorageLevel.MEMORY_AND_DISK_SER));
    }

    /** A context whose states keep the given storage levels. */
    public StateContext(
            StateStore store,
            TypeSerializer<K> keySerializer,
            KeyGroupRange keyGroupRange,
            int numberOfKeyGroups,
            TtlTimeProvider ttlTimeProvider,
            StorageLevels storageLevels) {
        this.store = store;
        this.keys = new StateKeyBuilder<>(keySerializer);
        this.keySerializer = keySerializer;
        this.keyGroupRange = keyGroupRange;
        this.numberOfKeyGroups = numberOfKeyGroups;
        this.ttlTimeProvider = ttlTimeProvider;
        this.storageLevels = storageLevels;
        this.objectTier =
                storageLevels.anyObjectTier()
                        ? new ObjectTier(storageLevels.objectTierBytes())
                        : null;
    }

    /**
     * Writes every value the object tier holds updated into the store: call before anything reads
     * the store as a whole (snapshots, key iteration, entry counts). O(dirty values).
     */
    public void flushObjectTier() throws IOException {
        if (objectTier != null) {
            objectTier.flush();
        }
    }

    /** Whether states hand out stored objects (the object tier), so values must not be reused. */
    public boolean handsOutStoredObjects() {
        return objectTier != null;
    }

    /** Drops the object tier's contents without writing them: the backend is being disposed. */
    public void discardObjectTier() {
        if (objectTier != null) {
            objectTier.discard();
        }
    }

    /** What the object tier holds and did, for metrics; zeros without a tier. */
    public ObjectTierStats objectTierStats() {
        ObjectTier tier = objectTier;
        return tier == null
                ? new ObjectTierStats(0, 0, 0, 0, 0, 0, 0)
                : new ObjectTierStats(
                        tier.capacityBytes(),
                        tier.usedBytes(),
                        tier.entries(),
                        tier.hits(),
                        tier.misses(),
                        tier.evictions(),
                        tier.writeBacks());
    }

    /** The tier a state named so uses, or {@code null} for the serialized level. */
    @Nullable
    ObjectTier objectTierFor(String stateName) {
        return objectTier != null
                        && storageLevels.levelOf(stateName) == StorageLevel.MEMORY_AND_DISK
                ? objectTier
                : null;
    }

    public StateStore store() {
        return store;
    }

    public StateKeyBuilder<K> keys() {
        return keys;
    }

    public TypeSerializer<K> keySerializer() {
        return keySerializer;
    }

    public KeyGroupRange keyGroupRange() {
        return keyGroupRange;
    }

    public int numberOfKeyGroups() {
        return numberOfKeyGroups;
    }

    TtlTimeProvider ttlTimeProvider() {
        return ttlTimeProvider;
    }
}
