package dev.spillway.serializers;

import java.util.List;
import java.util.Objects;

/** A subclass of {@link Person}: records of a non-final type may be subclasses. */
public final class Employee extends Person {

    private long employeeNumber;

    public Employee() {}

    public Employee(String name, int age, String city, long employeeNumber) {
        super(name, age, city, null, List.of());
        this.employeeNumber = employeeNumber;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && employeeNumber == ((Employee) o).employeeNumber;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), employeeNumber);
    }
}
