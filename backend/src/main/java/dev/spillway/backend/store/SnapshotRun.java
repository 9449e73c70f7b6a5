package dev.spillway.backend.store;

import dev.spillway.backend.store.run.KeyGroupFence;
import dev.spillway.backend.store.run.MergedInput;
import dev.spillway.backend.store.run.RunWriter;

import java.nio.file.Path;
import java.util.List;

/**
 * One immutable run file of a persisted {@link StoreSnapshot}.
 *
 * @param name the file's identity: unique among the files of one store for the store's whole
 *     life, so two checkpoints that name the same file hold the same bytes (what incremental
 *     checkpoints share instead of uploading again)
 * @param file where the file is, readable until the snapshot is closed; {@code null} for a
 *     {@link #mergedInput merged input}, which is no longer on disk
 * @param sizeBytes the file's length
 * @param entryCount the entries in the file
 * @param fence the key groups of the file that are current, or {@code null} for all of them: a
 *     run adopted after a rescale and not yet clipped also holds stale key groups of an older
 *     topology, which whoever adopts the file next must keep hidden (a checkpoint records it)
 * @param origin why the file was written (snapshot, eviction, compaction) or that it was adopted
 * @param overheadBytes bytes of the file besides its blocks: bloom filter, index, header, footer
 * @param mergedFrom the runs this file is exactly the merge of, newest first, or empty ({@link
 *     dev.spillway.backend.store.run.Run#mergedFrom()})
 */
public record SnapshotRun(
        String name,
        Path file,
        long sizeBytes,
        long entryCount,
        KeyGroupFence fence,
        RunWriter.Purpose origin,
        long overheadBytes,
        List<MergedInput> mergedFrom) {

    /**
     * A run this snapshot does not hold as a file but lists in place of a compaction output: one
     * of that output's inputs, which a confirmed checkpoint uploaded.
     */
    public static SnapshotRun mergedInput(MergedInput input) {
        return new SnapshotRun(
                input.name(),
                null,
                input.sizeBytes(),
                input.entryCount(),
                null,
                input.origin(),
                0,
                List.of());
    }
}
