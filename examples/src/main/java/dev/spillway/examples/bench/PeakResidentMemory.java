package dev.spillway.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.OptionalLong;

/**
 * The peak resident set size of this process, the "high water mark" the Linux kernel keeps in
 * {@code /proc/self/status} ({@code VmHWM}). It counts everything a container limit counts: heap,
 * direct and native memory (RocksDB's included), code, thread stacks.
 */
final class PeakResidentMemory {

    private static final Path STATUS = Paths.get("/proc/self/status");

    private PeakResidentMemory() {}

    /** The peak RSS in bytes, or empty where the kernel does not report it (not Linux). */
    static OptionalLong bytes() {
        if (!Files.isReadable(STATUS)) {
            return OptionalLong.empty();
        }
        try {
            return Files.readAllLines(STATUS).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .mapToLong(PeakResidentMemory::parseKilobytes)
                    .findFirst();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** {@code "VmHWM:     123456 kB"} to bytes. */
    static long parseKilobytes(String statusLine) {
        String[] fields = statusLine.trim().split("\\s+");
        if (fields.length != 3 || !"kB".equals(fields[2])) {
            throw new IllegalArgumentException("Unexpected /proc status line: " + statusLine);
        }
        return Long.parseLong(fields[1]) * 1024;
    }
}
