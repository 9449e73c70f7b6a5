package dev.spillway.backend.store;

import dev.spillway.backend.memory.MemoryClient;
import dev.spillway.backend.memory.MemoryReservation;
import dev.spillway.backend.store.compaction.CompactionTask;
import dev.spillway.backend.store.run.RunDirectory;

/**
 * Sizes the memory a store holds outside its memtable and block cache, and charges it to the
 * slot's memory manager through {@link MemoryReservation}s:
 *
 * <ul>
 *   <li><b>Execution</b>, for as long as the work runs: an eviction's pointer batch, sort and run
 *       writer; a compaction's merge (a read-ahead buffer and a decoded block per input, the
 *       output writer); a snapshot view's pin array, its sort and its run writer.
 *   <li><b>Storage</b>, for as long as the runs are current: their resident bloom filters and
 *       block indexes ({@link #chargeRunIndexes}).
 * </ul>
 *
 * <p>Which reach each one has (see {@link MemoryReservation}): evictions and the pin array of a
 * snapshot taken on the task thread take free memory and cached blocks only: they run inside a
 * {@code spill} or under the store lock, where evicting other backends would cascade through the
 * slot and waiting would hold up the task thread. Compactions and a view's sort and writer run on
 * their own threads and may take back storage other backends borrowed, but none of them waits for
 * a fair share (see {@link #forCompaction}, {@link #growForSort}).
 * None of them ever evicts this store's memtable: that would write another run to make room for
 * the work on runs. What a reservation could not get, the work uses anyway, and the memory
 * metrics count it as unreserved.
 */
final class StoreMemoryAccounts implements AutoCloseable {

    /** Heap bytes of a record's pointer in an eviction batch or a view's pin array. */
    static final long POINTER_BYTES = Long.BYTES;

    /**
     * Heap bytes a sort adds per record: two 8-byte key prefixes, and a second copy of pointer and
     * prefixes for the merge ({@code RecordSort}).
     */
    static final long SORT_BYTES_PER_RECORD = 2 * Long.BYTES + 3 * Long.BYTES;

    private final MemoryClient client;
    private final RunDirectory directory;
    private final String name;
    /** The resident indexes of the current runs; resized under the store lock. */
    private final MemoryReservation runIndexes;

    StoreMemoryAccounts(MemoryClient client, RunDirectory directory, String name) {
        this.client = client;
        this.directory = directory;
        this.name = name;
        this.runIndexes = MemoryReservation.storage(client, name + "-run-indexes");
    }

    /** For an eviction of {@code records} dirty records: batch, sort and writer. */
    MemoryReservation forEviction(long records) {
        MemoryReservation eviction = MemoryReservation.execution(client, name + "-eviction");
        eviction.growWithoutEvicting(
                records * (POINTER_BYTES + SORT_BYTES_PER_RECORD) + directory.writerMemory(records));
        return eviction;
    }

    /**
     * For a compaction's merge ({@link CompactionTask#memoryEstimate}): never waits for a fair
     * share, since the other holders may be snapshot views kept until their checkpoint persists
     * them, and runs pile up while a merge waits (a store test whose views were read slowly saw no
     * compaction at all).
     */
    MemoryReservation forCompaction(CompactionTask task) {
        MemoryReservation merge = MemoryReservation.execution(client, name + "-compaction");
        merge.growWithoutWaiting(task.memoryEstimate());
        return merge;
    }

    /** For the pin array of a snapshot view taken on the task thread, under the store lock. */
    MemoryReservation forSnapshotPins(long records) {
        MemoryReservation view = MemoryReservation.execution(client, name + "-snapshot");
        view.growWithoutEvicting(records * POINTER_BYTES);
        return view;
    }

    /**
     * Grows a view's reservation to cover sorting its pinned records, on a reading thread. Never
     * waits for a fair share: a checkpoint's asynchronous part that waits keeps the store's freeze
     * and its pinned pages longer (past a second the freeze is revoked and its run stays its own).
     */
    static void growForSort(MemoryReservation view, long records) {
        view.growWithoutWaiting(
                Math.max(view.reserved(), records * (POINTER_BYTES + SORT_BYTES_PER_RECORD)));
    }

    /** As {@link #growForSort}, for its sort and its run writer, on the snapshot thread. */
    void growForSnapshotRun(MemoryReservation view, long records) {
        view.growWithoutWaiting(
                records * (POINTER_BYTES + SORT_BYTES_PER_RECORD)
                        + directory.writerMemory(records));
    }

    /**
     * Charges the resident bloom filters and block indexes of the current runs to storage: shrinks
     * at once, grows from free memory only (a run version is installed inside evictions, under the
     * store lock). A growth not granted is counted as unreserved and asked for again at the next
     * install. Called under the store lock.
     *
     * <p>The charge ranks below the memtable's pages and cached blocks: it takes only idle memory,
     * and the memtable takes it back before it evicts ({@link #yieldRunIndexes}). The indexes are
     * resident on the heap whatever the budget says; charging them to the managed budget at the
     * expense of pages or blocks would only move state or blocks to disk to make room for a
     * number. In README command 1 (2.5 MiB per store, half of it the memtable's index) a charge
     * that ranked with the pages left the memtable without a page and the job failed; one that
     * dropped cached blocks at every install (every eviction) cost 16-23% more CPU.
     */
    void chargeRunIndexes(long residentBytes) {
        runIndexes.growFromFree(residentBytes);
    }

    /** Gives up to {@code bytes} of the run-index charge back for memtable pages. */
    long yieldRunIndexes(long bytes) {
        return runIndexes.yieldUnreserved(bytes);
    }

    /** Storage bytes charged for the current runs' bloom filters and block indexes. */
    long runIndexBytes() {
        return runIndexes.reserved();
    }

    @Override
    public void close() {
        runIndexes.close();
    }
}
