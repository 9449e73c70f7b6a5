package dev.spillway.backend.memory;

/**
 * Thrown when a memory request cannot be satisfied even after evicting storage, spilling other
 * consumers and spilling the requester itself. It replaces the JVM's {@code OutOfMemoryError}: the
 * message names the consumer, the pools and their sizes, and what was tried, so that the user can
 * size {@code taskmanager.memory.managed.*} or the Spillway memory options accordingly.
 *
 * <p>It is unchecked because memory is requested on state access paths whose signatures Flink
 * fixes; the state that was being written is never half-applied when it is thrown.
 */
public class SpillwayMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SpillwayMemoryException(String message) {
        super(message);
    }

    public SpillwayMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
