package dev.spillway.serializers;

/**
 * Thrown when a record (or anything reachable from it) is an instance of a class that has no
 * registration. The message names the class, the id to give it and the ids in use.
 *
 * <p>This is a programming error, not an I/O failure, so it is unchecked. It is thrown when a
 * serializer is created for a concrete type that is not registered itself, and otherwise by the
 * first write of a record that reaches an unregistered class, before any byte reaches the target.
 */
public final class UnregisteredClassException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String unregisteredClassName;

    UnregisteredClassException(String unregisteredClassName, String message) {
        super(message);
        this.unregisteredClassName = unregisteredClassName;
    }

    /** The exception for a class reached from a record of {@code recordType}. */
    static UnregisteredClassException of(
            Class<?> type, Class<?> recordType, KryoRegistrations registrations) {
        String sourceName =
                type.getCanonicalName() != null ? type.getCanonicalName() : type.getName();
        return new UnregisteredClassException(
                type.getName(),
                "Class "
                        + type.getName()
                        + " is not registered for the Spillway Kryo serializer of "
                        + recordType.getName()
                        + ". Every class reachable from a record needs a stable id; add it to the"
                        + " registrations, e.g. KryoRegistrations.builder()...register("
                        + sourceName
                        + ".class, "
                        + registrations.nextFreeId()
                        + ") (ids in use: "
                        + registrations.registrations()
                        + ").");
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
