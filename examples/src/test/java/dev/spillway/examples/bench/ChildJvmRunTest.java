package dev.spillway.examples.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChildJvmRunTest {

    @Test
    void findsExceptionOfCausedByAndThreadLines() {
        assertThat(
                        ChildJvmRun.exceptionClass(
                                "Caused by: dev.spillway.backend.memory.SpillwayMemoryException:"
                                        + " Cannot acquire 32768 bytes"))
                .contains("SpillwayMemoryException");
        assertThat(
                        ChildJvmRun.exceptionClass(
                                "Exception in thread \"main\" java.lang.OutOfMemoryError:"
                                        + " Java heap space"))
                .contains("OutOfMemoryError");
    }

    @Test
    void ignoresOtherLines() {
        assertThat(ChildJvmRun.exceptionClass("\tat org.apache.flink.Foo.bar(Foo.java:1)"))
                .isEmpty();
        assertThat(ChildJvmRun.exceptionClass("[  3s]  1,542 rec/s | 1,546 records")).isEmpty();
        assertThat(ChildJvmRun.exceptionClass("Caused by: see above")).isEmpty();
    }
}
