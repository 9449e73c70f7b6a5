package dev.spillway.examples.kryo;

import dev.spillway.serializers.KryoRegistrations;

import java.util.ArrayList;

/**
 * The registration sets of the example's three releases. Ids are chosen by hand and written into
 * every snapshot, so a restore can tell exactly what changed.
 */
public final class ProfileRegistrations {

    private ProfileRegistrations() {}

    /** Release 1: the ids the savepoint is written with. */
    public static KryoRegistrations release1() {
        return KryoRegistrations.builder()
                .register(CustomerProfile.class, 10)
                .register(Address.class, 11)
                .register(ArrayList.class, 12)
                .register(Purchase.class, 13)
                .build();
    }

    /**
     * Release 2 renumbered two classes (say, after merging registration lists from two teams).
     * Restoring release 1 state is <em>compatible with a reconfigured serializer</em>: the restored
     * serializer reads old records with the old ids.
     */
    public static KryoRegistrations release2() {
        return KryoRegistrations.builder()
                .register(CustomerProfile.class, 10)
                .register(Address.class, 21)
                .register(ArrayList.class, 12)
                .register(Purchase.class, 20)
                .build();
    }

    /**
     * A broken release: {@link Address} is no longer registered although old records contain it.
     * The restore must refuse the state, naming the class, instead of misreading it.
     */
    public static KryoRegistrations missingAddress() {
        return KryoRegistrations.builder()
                .register(CustomerProfile.class, 10)
                .register(ArrayList.class, 12)
                .register(Purchase.class, 13)
                .build();
    }
}
