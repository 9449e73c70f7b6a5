package dev.spillway.serializers;

/**
 * Thrown when a record (or anything reachable from it) is an instance of a class that has no
 * registration. The message names the class, the id to give it and the ids in use.
 *
 * <p>This is a programming error, not an I/O failure, so it is unchecked; it fails the first
 * write of such a record, before any byte reaches the target.
 */
public final class UnregisteredClassException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String unregisteredClassName;

    UnregisteredClassException(String unregisteredClassName, String message) {
        super(message);
        this.unregisteredClassName = unregisteredClassName;
    }

    /** The name of the class that needs a registration. */
    public String getUnregisteredClassName() {
        return unregisteredClassName;
    }

    /** The exception in the cause chain, or null when the failure had another reason. */
    static UnregisteredClassException findIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnregisteredClassException) {
                return (UnregisteredClassException) t;
            }
        }
        return null;
    }
}
