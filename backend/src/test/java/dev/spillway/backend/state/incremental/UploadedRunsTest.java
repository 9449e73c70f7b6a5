package dev.spillway.backend.state.incremental;

import org.apache.flink.runtime.state.IncrementalKeyedStateHandle.HandleAndLocalPath;
import org.apache.flink.runtime.state.PlaceholderStreamStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which uploads a checkpoint may refer to, as confirmations and aborts arrive. */
class UploadedRunsTest {

    private static HandleAndLocalPath uploaded(String run, String file) {
        return HandleAndLocalPath.of(new ByteStreamStateHandle(file, new byte[] {1, 2, 3}), run);
    }

    private static HandleAndLocalPath referred(String run, HandleAndLocalPath earlier) {
        StreamStateHandle handle = earlier.getHandle();
        return HandleAndLocalPath.of(
                new PlaceholderStreamStateHandle(
                        handle.getStreamStateHandleID(), handle.getStateSize(), false),
                run);
    }

    @Test
    void onlyTheLastConfirmedCheckpointIsReferredTo() {
        UploadedRuns runs = new UploadedRuns();
        HandleAndLocalPath a1 = uploaded("a", "a@1");
        runs.record(1, List.of(a1));
        assertThat(runs.base().placeholder("a")).as("unconfirmed").isEmpty();

        runs.complete(1);
        assertThat(runs.base().placeholder("a"))
                .hasValueSatisfying(
                        placeholder ->
                                assertThat(placeholder.getStreamStateHandleID())
                                        .isEqualTo(a1.getHandle().getStreamStateHandleID()));
        assertThat(runs.base().placeholder("b")).isEmpty();
    }

    @Test
    void abortedAndSavepointIdsChangeNothing() {
        UploadedRuns runs = new UploadedRuns();
        runs.record(1, List.of(uploaded("a", "a@1")));
        runs.complete(1);
        runs.record(2, List.of(uploaded("b", "b@2")));
        runs.abort(2);
        runs.complete(2);
        assertThat(runs.lastCompletedCheckpointId()).isEqualTo(1);
        assertThat(runs.base().placeholder("b")).isEmpty();
        runs.complete(3); // a savepoint: never recorded
        assertThat(runs.lastCompletedCheckpointId()).isEqualTo(1);
        assertThat(runs.base().placeholder("a")).isPresent();
    }

    @Test
    void aFileUploadedAgainAfterTheConfirmedCheckpointIsNotReferredTo() {
        UploadedRuns runs = new UploadedRuns();
        HandleAndLocalPath a1 = uploaded("a", "a@1");
        runs.record(1, List.of(a1, uploaded("b", "b@1")));
        // Checkpoint 2 was taken before 1 was confirmed: it uploaded "a" again, referred to "b".
        runs.record(2, List.of(uploaded("a", "a@2"), referred("b", a1)));
        runs.complete(1);
        assertThat(runs.base().placeholder("a")).isEmpty();
        assertThat(runs.base().placeholder("b")).isPresent();
    }

    /** What the per-checkpoint upload summary counts as uploaded again. */
    @Test
    void aRunUploadedByAnUnconfirmedCheckpointCountsAsUploadedBefore() {
        UploadedRuns runs = new UploadedRuns();
        runs.record(1, List.of(uploaded("a", "a@1")));
        UploadedRuns.Base beforeConfirmation = runs.base();
        assertThat(beforeConfirmation.uploadedBefore("a")).isTrue();
        assertThat(beforeConfirmation.uploadedBefore("new")).isFalse();
        assertThat(beforeConfirmation.checkpointId()).isEqualTo(-1);

        runs.complete(1);
        UploadedRuns.Base confirmed = runs.base();
        assertThat(confirmed.uploadedBefore("a")).as("referred to, not uploaded").isFalse();
        assertThat(confirmed.checkpointId()).isEqualTo(1);
        assertThat(UploadedRuns.NOTHING.uploadedBefore("a")).isFalse();
    }

    @Test
    void aSeededRestoreCountsAsConfirmed() {
        UploadedRuns runs = new UploadedRuns();
        runs.record(7, List.of(uploaded("stale", "stale@7")));
        runs.seed(5, List.of(uploaded("a", "a@5")));
        assertThat(runs.lastCompletedCheckpointId()).isEqualTo(5);
        assertThat(runs.base().placeholder("a")).isPresent();
        assertThat(runs.base().placeholder("stale")).isEmpty();
    }
}
