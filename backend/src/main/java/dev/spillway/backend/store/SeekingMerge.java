package dev.spillway.backend.store;

import dev.spillway.backend.store.entry.EntryCursor;
import dev.spillway.backend.store.memtable.PinnedRecords;
import dev.spillway.backend.store.run.MergingCursor;
import dev.spillway.backend.store.run.Run;
import dev.spillway.backend.store.run.RunCursor;
import dev.spillway.backend.store.run.RunVersion;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The merges of pinned memtable records and runs that scans read. A task-thread scan may start
 * inside its prefix: each run cursor seeks to the start key through its block index, so the entries
 * below it (a timer queue's polled elements and their tombstones, until compaction drops them) are
 * never read; the memtable's sorted pins skip theirs.
 */
final class SeekingMerge {

    private SeekingMerge() {}

    /**
     * As {@link #merge(PinnedRecords, RunVersion, byte[], boolean)} for a task-thread scan, from
     * {@code from} when not null.
     */
    static EntryCursor merge(
            PinnedRecords pinned, RunVersion version, byte[] prefix, @Nullable byte[] from)
            throws IOException {
        if (from == null) {
            return merge(pinned, version, prefix, true);
        }
        byte[] start = from.clone();
        List<EntryCursor> sources = new ArrayList<>(1 + version.size());
        MergingCursor merged = new MergingCursor(sources, true);
        try {
            sources.add(SeekFrom.entries(pinned.cursor(prefix, prefix.length), start));
            for (Run run : version.runs()) {
                RunCursor cursor = run.scan(prefix, true);
                sources.add(cursor);
                cursor.seek(start);
            }
            return merged;
        } catch (IOException | RuntimeException e) {
            merged.close();
            throw e;
        }
    }

    /**
     * The merge of pinned memtable records (if any) and a version's runs under a prefix, yielding
     * live values only. Run blocks read for a task-thread scan may enter the block cache; snapshot
     * reads must not, or one checkpoint would flush the working set.
     */
    static EntryCursor merge(
            PinnedRecords pinned, RunVersion version, byte[] prefix, boolean fillCache)
            throws IOException {
        List<EntryCursor> sources = new ArrayList<>(1 + version.size());
        MergingCursor merged = new MergingCursor(sources, true);
        try {
            if (pinned != null) {
                sources.add(pinned.cursor(prefix, prefix.length));
            }
            for (Run run : version.runs()) {
                sources.add(run.scan(prefix, fillCache));
            }
            return merged;
        } catch (IOException | RuntimeException e) {
            merged.close();
            throw e;
        }
    }
}
