package dev.spillway.backend.store.run;

import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decoding one 4 KiB LZ4 block: {@link Lz4BlockDecoder} against lz4-java's safe decompressor
 * (the one Spillway used before). {@code data}: {@code COUNTERS} is a block of entries whose
 * values are arrays of small longs, as the main example's account statistics (LZ4 saves about
 * half); {@code TEXT} is words, {@code HALF_RANDOM} half random bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Lz4DecodeBenchmark {

    @Param({"COUNTERS", "TEXT", "HALF_RANDOM"})
    public String data;

    private byte[] compressed;
    private byte[] output;
    private final LZ4SafeDecompressor lz4Java = LZ4Factory.safeInstance().safeDecompressor();

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        ByteBuffer raw = ByteBuffer.allocate(4096);
        long key = 1_000;
        while (raw.remaining() >= 64) {
            switch (data) {
                case "COUNTERS":
                    raw.put((byte) 0).put((byte) 1).putLong(key++).put((byte) 0);
                    for (int i = 0; i < 6 && raw.remaining() >= 8; i++) {
                        raw.putLong(random.nextInt(i == 0 ? 1_000_000 : 100));
                    }
                    break;
                case "TEXT":
                    String[] words = {"account ", "merchant ", "amount ", "42 ", "window "};
                    raw.put(words[random.nextInt(words.length)].getBytes());
                    break;
                default:
                    for (int i = 0; i < 16; i++) {
                        raw.put((byte) (i % 2 == 0 ? random.nextInt(256) : 7));
                    }
            }
        }
        byte[] block = new byte[raw.position()];
        raw.flip().get(block);
        compressed = LZ4Factory.safeInstance().fastCompressor().compress(block);
        output = new byte[block.length];
    }

    @Benchmark
    public int spillway() {
        return Lz4BlockDecoder.decode(compressed, 0, compressed.length, output, 0, output.length);
    }

    @Benchmark
    public int lz4JavaSafe() {
        return lz4Java.decompress(compressed, 0, compressed.length, output, 0, output.length);
    }
}
