package dev.spillway.backend.state.incremental;

import dev.spillway.backend.store.SnapshotRun;
import dev.spillway.backend.store.run.RunWriter;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one incremental checkpoint uploaded, by where each file came from: the snapshot run of the
 * entries that changed since the last checkpoint, the runs evictions and compactions wrote since
 * the last confirmed checkpoint, adopted files. Logged at debug level per checkpoint, so that the
 * size of an incremental checkpoint can be explained file by file without a profiler.
 */
final class UploadSummary {

    /** Files, bytes, entries and non-block bytes of one origin. */
    private static final class Tally {
        int files;
        long bytes;
        long entries;
        long overheadBytes;

        void add(SnapshotRun run) {
            files++;
            bytes += run.sizeBytes();
            entries += run.entryCount();
            overheadBytes += run.overheadBytes();
        }
    }

    private final Map<RunWriter.Purpose, Tally> uploaded = new EnumMap<>(RunWriter.Purpose.class);
    private final Tally reuploaded = new Tally();
    private final Tally referred = new Tally();
    private final Tally listedAsInputs = new Tally();

    void uploaded(SnapshotRun run, boolean uploadedBefore) {
        uploaded.computeIfAbsent(run.origin(), origin -> new Tally()).add(run);
        if (uploadedBefore) {
            reuploaded.add(run);
        }
    }

    void referred(SnapshotRun run) {
        referred.add(run);
    }

    /** A compaction output not uploaded: its inputs are listed (and referred to) instead. */
    void listedAsInputs(SnapshotRun output) {
        listedAsInputs.add(output);
    }

    /** One line: totals, then per origin files, bytes, entries, bytes per entry and overhead. */
    String describe(long checkpointId, long baseCheckpointId, long metadataBytes) {
        Tally total = new Tally();
        StringBuilder origins = new StringBuilder();
        for (Map.Entry<RunWriter.Purpose, Tally> origin : uploaded.entrySet()) {
            Tally t = origin.getValue();
            total.files += t.files;
            total.bytes += t.bytes;
            total.entries += t.entries;
            origins.append(
                    String.format(
                            Locale.ROOT,
                            "; %s %d file(s) %d B %d entries (%.1f B/entry, filter+index %d B)",
                            origin.getKey().name().toLowerCase(Locale.ROOT),
                            t.files,
                            t.bytes,
                            t.entries,
                            t.entries == 0 ? 0.0 : (double) t.bytes / t.entries,
                            t.overheadBytes));
        }
        return String.format(
                        Locale.ROOT,
                        "Checkpoint %d uploaded %d run(s), %d B, %d entries, metadata %d B;"
                                + " referred to %d run(s), %d B, of checkpoint %d, listing %d"
                                + " compaction output(s), %d B, as their inputs;"
                                + " %d run(s), %d B, uploaded again (an earlier upload not"
                                + " confirmed yet)",
                        checkpointId,
                        total.files,
                        total.bytes,
                        total.entries,
                        metadataBytes,
                        referred.files,
                        referred.bytes,
                        baseCheckpointId,
                        listedAsInputs.files,
                        listedAsInputs.bytes,
                        reuploaded.files,
                        reuploaded.bytes)
                + origins;
    }
}
