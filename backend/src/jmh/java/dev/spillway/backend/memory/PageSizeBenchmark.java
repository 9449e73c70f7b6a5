package dev.spillway.backend.memory;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Chooses the default page size. A memtable-like workload: append 16 MiB of 100-byte records into
 * fresh pages and free them all ({@code fill}), and read 8 bytes of a random record of 32 MiB of
 * records through its 64-bit pointer ({@code randomRead}, what a point get costs beyond hashing).
 * Small pages pay more page allocations and page-table entries; large pages waste the unfilled tail
 * of each backend's last page (not measured here: it is {@code pageSize / 2} per consumer on
 * average).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class PageSizeBenchmark {

    private static final int RECORD = 100;
    private static final int FILL_RECORDS = (16 << 20) / RECORD;
    private static final int READ_RECORDS = (32 << 20) / RECORD;
    private static final int READS = 1 << 16;

    @Param({"4096", "16384", "32768", "65536", "262144", "1048576"})
    public int pageSize;

    private UnifiedMemoryManager manager;
    private MemoryClient client;
    private Pages fillConsumer;
    private Pages readConsumer;
    private long[] pointers;
    private int[] readOrder;
    private final byte[] record = new byte[RECORD];

    @Setup(Level.Trial)
    public void open() {
        manager =
                new UnifiedMemoryManager(
                        128L << 20, MemorySettings.defaults().withPageSize(pageSize));
        client = manager.newClient("bench");
        fillConsumer = new Pages(client);
        readConsumer = new Pages(client);
        pointers = readConsumer.fill(READ_RECORDS, record);
        SplittableRandom random = new SplittableRandom(42);
        readOrder = new int[READS];
        for (int i = 0; i < READS; i++) {
            readOrder[i] = random.nextInt(READ_RECORDS);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        readConsumer.freeAll();
        client.close();
        manager.close();
    }

    /** Per record: append into pages, then free all pages. */
    @Benchmark
    @OperationsPerInvocation(FILL_RECORDS)
    public long fill() {
        long[] written = fillConsumer.fill(FILL_RECORDS, record);
        fillConsumer.freeAll();
        return written[written.length - 1];
    }

    /** Per record: resolve a pointer and read a long from the record. */
    @Benchmark
    @OperationsPerInvocation(READS)
    public long randomRead() {
        long sum = 0;
        for (int index : readOrder) {
            long pointer = pointers[index];
            sum += client.page(pointer).getLong(PagePointer.offset(pointer) + 8);
        }
        return sum;
    }

    /** A consumer that appends fixed-size records into its pages. */
    static final class Pages extends MemoryConsumer {
        private Page[] pages = new Page[16];
        private int count;

        Pages(MemoryClient client) {
            super(client, PoolKind.STORAGE, "pages");
        }

        long[] fill(int records, byte[] record) {
            long[] pointers = new long[records];
            Page page = null;
            int offset = 0;
            for (int i = 0; i < records; i++) {
                if (page == null || offset + record.length > page.size()) {
                    page = allocatePage();
                    if (count == pages.length) {
                        pages = Arrays.copyOf(pages, count * 2);
                    }
                    pages[count++] = page;
                    offset = 0;
                }
                page.put(offset, record, 0, record.length);
                pointers[i] = page.pointer(offset);
                offset += record.length;
            }
            return pointers;
        }

        void freeAll() {
            for (int i = 0; i < count; i++) {
                freePage(pages[i]);
                pages[i] = null;
            }
            count = 0;
        }

        @Override
        public long spill(long bytes, MemoryConsumer trigger) {
            return 0;
        }
    }
}
