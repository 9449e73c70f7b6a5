package dev.spillway.examples.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobBenchmarkTest {

    @Test
    void findsExceptionOfCausedByAndThreadLines() {
        assertThat(
                        JobBenchmark.exceptionClass(
                                "Caused by: dev.spillway.backend.memory.SpillwayMemoryException:"
                                        + " Cannot acquire 32768 bytes"))
                .contains("SpillwayMemoryException");
        assertThat(
                        JobBenchmark.exceptionClass(
                                "Exception in thread \"main\" java.lang.OutOfMemoryError:"
                                        + " Java heap space"))
                .contains("OutOfMemoryError");
    }

    @Test
    void ignoresOtherLines() {
        assertThat(JobBenchmark.exceptionClass("\tat org.apache.flink.Foo.bar(Foo.java:1)"))
                .isEmpty();
        assertThat(JobBenchmark.exceptionClass("[  3s]  1,542 rec/s | 1,546 records")).isEmpty();
        assertThat(JobBenchmark.exceptionClass("Caused by: see above")).isEmpty();
    }
}
