package dev.spillway.serializers;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether state written under one registration set can be read under another, and says
 * why in words a user can act on.
 *
 * <p>Old bytes hold ids; what matters is whether every id in the old set still leads to the same
 * class written by the same Kryo serializer. From the old set's point of view:
 *
 * <ul>
 *   <li>a class that is gone, or a different root type: <b>incompatible</b> (old records may hold
 *       it, and nothing could read them);
 *   <li>a class whose Kryo serializer class changed, or reference tracking switched: <b>compatible
 *       after migration</b>, as long as the old serializer class can still be loaded (the old
 *       serializer reads, the new one writes); otherwise incompatible;
 *   <li>a class under a new id: <b>compatible with a reconfigured serializer</b> that keeps every
 *       old id and gives classes new since then their chosen id, or the next free one if an old
 *       class still holds it;
 *   <li>otherwise <b>compatible as is</b>, including when classes were added under unused ids:
 *       that is what stable ids are for.
 * </ul>
 */
final class RegistrationCompatibility {

    enum Outcome {
        COMPATIBLE_AS_IS,
        COMPATIBLE_WITH_RECONFIGURED_SERIALIZER,
        COMPATIBLE_AFTER_MIGRATION,
        INCOMPATIBLE
    }

    private final Outcome outcome;
    private final String reason;
    @Nullable private final KryoRegistrations reconfigured;

    private RegistrationCompatibility(
            Outcome outcome, String reason, @Nullable KryoRegistrations reconfigured) {
        this.outcome = outcome;
        this.reason = reason;
        this.reconfigured = reconfigured;
    }

    Outcome outcome() {
        return outcome;
    }

    /** What changed, for logs and error messages; empty when nothing relevant changed. */
    String reason() {
        return reason;
    }

    /** The registrations to read and write with, for {@code COMPATIBLE_WITH_RECONFIGURED_SERIALIZER}. */
    @Nullable
    KryoRegistrations reconfigured() {
        return reconfigured;
    }

    static RegistrationCompatibility resolve(
            String oldTypeName,
            KryoRegistrations old,
            String newTypeName,
            KryoRegistrations current) {
        List<String> breaking = new ArrayList<>();
        List<String> needMigration = new ArrayList<>();
        List<String> moved = new ArrayList<>();

        if (!oldTypeName.equals(newTypeName)) {
            breaking.add(
                    "the state holds " + oldTypeName + " but the serializer is for " + newTypeName);
        }
        for (KryoRegistration before : old.registrations()) {
            KryoRegistration now = current.forClassName(before.className());
            if (now == null) {
                breaking.add(
                        before.className()
                                + " (id "
                                + before.id()
                                + ") was registered when the state was written and is not"
                                + " registered now, so old records may hold it; register it again"
                                + " with "
                                + before.asBuilderCall());
            } else if (!Objects.equals(before.serializerClassName(), now.serializerClassName())) {
                String change =
                        "the Kryo serializer of "
                                + before.className()
                                + " changed from "
                                + describe(before.serializerClassName())
                                + " to "
                                + describe(now.serializerClassName());
                if (before.isResolved()) {
                    needMigration.add(change);
                } else {
                    breaking.add(
                            change
                                    + ", and the old one is not on the classpath to read the old"
                                    + " state; add it back to the job");
                }
            } else if (before.id() != now.id()) {
                moved.add(before.className() + " moved from id " + before.id() + " to " + now.id());
            }
        }
        if (old.tracksReferences() != current.tracksReferences()) {
            needMigration.add(
                    "reference tracking was switched "
                            + (current.tracksReferences() ? "on" : "off"));
        }

        if (!breaking.isEmpty()) {
            return new RegistrationCompatibility(
                    Outcome.INCOMPATIBLE, String.join("; ", breaking) + ".", null);
        }
        if (!needMigration.isEmpty()) {
            return new RegistrationCompatibility(
                    Outcome.COMPATIBLE_AFTER_MIGRATION, String.join("; ", needMigration) + ".", null);
        }
        if (!moved.isEmpty()) {
            return new RegistrationCompatibility(
                    Outcome.COMPATIBLE_WITH_RECONFIGURED_SERIALIZER,
                    String.join("; ", moved) + "; the old ids are kept.",
                    keepOldIds(old, current));
        }
        return new RegistrationCompatibility(Outcome.COMPATIBLE_AS_IS, "", null);
    }

    /**
     * The current registrations with every class of the old set back under its old id. Classes new
     * since then keep their id unless an old class holds it; those get ids above all others, in
     * the order of their chosen ids, so the result is the same on every restore.
     */
    private static KryoRegistrations keepOldIds(KryoRegistrations old, KryoRegistrations current) {
        List<KryoRegistration> merged = new ArrayList<>();
        Set<Integer> usedIds = new HashSet<>();
        List<KryoRegistration> added = new ArrayList<>();
        int maxId = KryoRegistrations.FIRST_USER_ID - 1;
        for (KryoRegistration now : current.registrations()) {
            KryoRegistration before = old.forClassName(now.className());
            if (before == null) {
                added.add(now);
            } else {
                merged.add(now.withId(before.id()));
                usedIds.add(before.id());
                maxId = Math.max(maxId, before.id());
            }
        }
        for (KryoRegistration now : added) {
            maxId = Math.max(maxId, now.id());
        }
        for (KryoRegistration now : added) {
            if (usedIds.add(now.id())) {
                merged.add(now);
            } else {
                merged.add(now.withId(++maxId));
                usedIds.add(maxId);
            }
        }
        return new KryoRegistrations(merged, current.tracksReferences());
    }

    private static String describe(@Nullable String serializerClassName) {
        return serializerClassName == null ? "Kryo's default" : serializerClassName;
    }
}
