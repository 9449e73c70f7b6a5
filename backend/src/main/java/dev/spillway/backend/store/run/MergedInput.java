package dev.spillway.backend.store.run;

/**
 * One input of the compaction that wrote a run, as a checkpoint would list it: an incremental
 * checkpoint whose last confirmed checkpoint holds every input of a compaction output may refer to
 * the inputs instead of uploading the output (see {@link Run#mergedFrom()}).
 *
 * @param name the input's {@link Run#name()}
 * @param sizeBytes the input file's length
 * @param entryCount the entries in the input
 * @param origin why the input was written
 */
public record MergedInput(String name, long sizeBytes, long entryCount, RunWriter.Purpose origin) {}
