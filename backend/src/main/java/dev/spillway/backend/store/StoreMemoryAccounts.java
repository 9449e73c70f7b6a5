package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.compaction.CompactionTask;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunDirectory;
import dev.spillway.backend.store.run.RunVersion;

/**
 * Sizes the memory a store holds outside its memtable pages and cached blocks, and charges it to
 * the slot's memory manager through {@link MemoryReservation}s:
 *
 * <ul>
 *   <li><b>Execution</b>, for as long as the work runs: an eviction's sort and run writer, a
 *       compaction's merge (input cursors plus the output writer), a snapshot view's pin array,
 *       its sort and its run writer.
 *   <li><b>Storage</b>, for as long as the runs are the store's: the resident bloom filters and
 *       block indexes of the current runs ({@link #chargeRunIndexes}).
 * </ul>
 *
 * All of these are heap arrays, charged to the same budget as the off-heap pages (see
 * docs/memory.md, "On-heap and off-heap"). Evictions take only free memory: they run inside the
 * memtable's {@code spill} or ahead of it, to give memory back, and must not start a second round
 * of evictions across the slot.
 */
final class StoreMemoryAccounts implements AutoCloseable {

    /**
     * Heap bytes a sort holds per record: the 8-byte pointer, and while sorting two 16-byte key
     * prefixes and a second copy of all three for the merge sort (see {@code RecordSort}).
     */
    static final long SORT_BYTES_PER_RECORD = 56;

    /** Heap bytes a pinned record costs while a view holds it: its pointer. */
    static final long PIN_BYTES_PER_RECORD = 8;

    private final MemoryClient client;
    private final RunDirectory directory;
    private final String name;
    /** The resident indexes of the current runs; guarded by the store lock. */
    private final MemoryReservation runIndexes;

    StoreMemoryAccounts(MemoryClient client, RunDirectory directory, String name) {
        this.client = client;
        this.directory = directory;
        this.name = name;
        this.runIndexes = MemoryReservation.storage(client, name + "-run-indexes");
    }

    /** For an eviction of {@code records} to a run: sort plus writer, from free memory only. */
    MemoryReservation forEviction(long records) {
        return MemoryReservation.execution(
                client,
                name + "-eviction",
                records * SORT_BYTES_PER_RECORD + directory.writerMemory(records),
                true);
    }

    /**
     * For a compaction's merge, through the full acquire path (storage above the floor is evicted
     * for it). The caller defers the compaction when the reservation does not {@link
     * MemoryReservation#covers cover} the estimate.
     */
    MemoryReservation forCompaction(CompactionTask task) {
        return MemoryReservation.execution(
                client, name + "-compaction", task.memoryEstimate(), false);
    }

    /** For a snapshot view's pin array, taken on the task thread: free memory only. */
    MemoryReservation forPins(long records) {
        return MemoryReservation.execution(
                client, name + "-snapshot", records * PIN_BYTES_PER_RECORD, true);
    }

    /**
     * Grows a view's reservation to cover sorting its pinned records, on the snapshot thread
     * through the full acquire path.
     */
    static void growForSort(MemoryReservation pins, long records) {
        pins.growTo(records * (PIN_BYTES_PER_RECORD + SORT_BYTES_PER_RECORD));
    }

    /** For the run writer of a snapshot view, on the snapshot thread: full acquire path. */
    MemoryReservation forSnapshotWriter(long records) {
        return MemoryReservation.execution(
                client, name + "-snapshot-writer", directory.writerMemory(records), false);
    }

    /**
     * Charges the resident indexes of a new run version to the storage pool: shrinks at once, grows
     * from free memory (a run version is installed inside evictions). A growth not granted is
     * counted as unreserved and asked for again at the next install. Called under the store lock.
     */
    void chargeRunIndexes(RunVersion version) {
        long resident = 0;
        for (Run run : version.runs()) {
            resident += run.residentBytes();
        }
        runIndexes.growToFree(resident);
    }

    /** Bytes of run indexes and bloom filters charged now. */
    long runIndexBytes() {
        return runIndexes.reserved();
    }

    @Override
    public void close() {
        runIndexes.close();
    }
}
