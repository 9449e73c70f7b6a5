package dev.spillway.backend.store;

import java.nio.file.Path;

/**
 * One immutable run file of a persisted {@link StoreSnapshot}.
 *
 * @param name the file's identity: unique among the files of one store for the store's whole
 *     life, so two checkpoints that name the same file hold the same bytes (what incremental
 *     checkpoints share instead of uploading again)
 * @param file where the file is, readable until the snapshot is closed
 * @param sizeBytes the file's length
 * @param entryCount the entries in the file
 */
public record SnapshotRun(String name, Path file, long sizeBytes, long entryCount) {}
