package dev.spillway.backend.store.run;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A run file cannot be read as written: truncated, not a run file, an unsupported format version,
 * or a checksum mismatch. Names the file and the byte offset of the damaged part, and says what
 * to do: run files are local spill data that a restart rebuilds from the last checkpoint.
 */
public final class CorruptRunException extends IOException {

    private final Path file;
    private final long offset;

    CorruptRunException(Path file, long offset, String problem) {
        super(
                "Run file " + file + " is unreadable at byte offset " + offset + ": " + problem
                        + ". Spill files are local and cannot be repaired; the state they held is"
                        + " recovered by restarting the job from its last checkpoint. If this"
                        + " repeats, check the disk behind the spill directory.");
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** The byte offset in the file where the damaged part starts. */
    public long offset() {
        return offset;
    }
}
