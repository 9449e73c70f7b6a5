package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import static dev.spillway.backend.store.run.RunFixtures.sortedMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run file lives exactly as long as some version, cursor or other holder references it. */
class RunReferenceCountTest {

    @TempDir Path temp;

    private RunDirectory directory;

    @BeforeEach
    void setUp() throws IOException {
        directory = RunDirectory.create(temp, RunFormatOptions.defaults(), BlockCache.disabled());
    }

    @AfterEach
    void tearDown() throws IOException {
        directory.close();
    }

    @Test
    void fileIsDeletedOnlyAfterTheLastRelease() throws IOException {
        Run run = newRun(1);
        run.retain();
        run.release();
        assertThat(run.file()).exists();

        run.release();
        assertThat(run.file()).doesNotExist();
        assertThat(directory.statistics().runsDeleted()).isEqualTo(1);
        assertThatThrownBy(run::retain).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(run::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anOpenCursorKeepsTheFileAndStillReads() throws IOException {
        Run run = newRun(1);
        RunCursor cursor = run.scan(new byte[0], false);
        run.release();
        assertThat(run.file()).exists();

        assertThat(cursor.next()).isTrue();
        assertThat(cursor.key()).containsExactly(1);
        cursor.close();
        cursor.close(); // idempotent
        assertThat(run.file()).doesNotExist();
    }

    @Test
    void aPinnedVersionKeepsReplacedRuns() throws IOException {
        Run a = newRun(1);
        Run b = newRun(2);
        RunVersion v1 = RunVersion.empty().withNewest(a);
        RunVersion v2 = v1.withNewest(b);
        v1.release();
        a.release();
        b.release();
        assertThat(v2.runs()).containsExactly(b, a);

        RunVersion snapshot = v2.retain();
        Run merged = newRun(3);
        RunVersion v3 = v2.replace(List.of(b, a), merged);
        merged.release();
        v2.release();
        assertThat(v3.runs()).containsExactly(merged);
        assertThat(a.file()).exists();
        assertThat(b.file()).exists();

        snapshot.release();
        assertThat(a.file()).doesNotExist();
        assertThat(b.file()).doesNotExist();
        assertThat(merged.file()).exists();

        v3.release();
        assertThat(merged.file()).doesNotExist();
    }

    @Test
    void replaceKeepsNewerRunsAndRejectsAGappedSlice() throws IOException {
        Run a = newRun(1);
        Run b = newRun(2);
        Run c = newRun(3);
        RunVersion version = versionOf(a, b, c);
        assertThat(version.runs()).containsExactly(c, b, a);

        assertThatThrownBy(() -> version.replace(List.of(c, a), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("contiguous");

        RunVersion dropped = version.replace(List.of(b, a), null);
        assertThat(dropped.runs()).containsExactly(c);
        dropped.release();
        version.release();
        for (Run run : List.of(a, b, c)) {
            run.release();
        }
        assertThat(a.file()).doesNotExist();
        assertThat(b.file()).doesNotExist();
        assertThat(c.file()).doesNotExist();
    }

    /** A version of the runs given oldest first, built one spill at a time as a store does. */
    private static RunVersion versionOf(Run... oldestFirst) {
        RunVersion version = RunVersion.empty();
        for (Run run : oldestFirst) {
            RunVersion next = version.withNewest(run);
            version.release();
            version = next;
        }
        return version;
    }

    private Run newRun(int key) throws IOException {
        TreeMap<byte[], EntryValue> entries = sortedMap();
        entries.put(new byte[] {(byte) key}, new EntryValue(EntryKind.PUT, new byte[] {(byte) key}));
        return RunFixtures.writeRun(directory, entries);
    }
}
