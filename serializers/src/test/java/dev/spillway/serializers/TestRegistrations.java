package dev.spillway.serializers;

import java.util.ArrayList;

/** The registration sets the tests use, in one place. */
final class TestRegistrations {

    /**
     * The set {@link OldStateResourceGenerator} wrote the binary resource with. Frozen: the bytes
     * under {@code src/test/resources} depend on it.
     */
    static final KryoRegistrations V1 =
            KryoRegistrations.builder()
                    .register(Person.class, 10)
                    .register(Address.class, 11)
                    .register(ArrayList.class, 12)
                    .build();

    /** Today's set: V1 plus a subclass under a new id, declared in another order. */
    static final KryoRegistrations CURRENT =
            KryoRegistrations.builder()
                    .register(Employee.class, 13)
                    .register(ArrayList.class, 12)
                    .register(Address.class, 11)
                    .register(Person.class, 10)
                    .build();

    private TestRegistrations() {}
}
