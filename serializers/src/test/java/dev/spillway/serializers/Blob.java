package dev.spillway.serializers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Objects;

/** A type full of length-prefixed parts, to corrupt. Only the int array is first on the wire. */
public final class Blob {

    int[] numbers;
    String text;
    Object[] things;
    HashMap<String, Integer> counts;
    ArrayList<String> words;

    static final KryoRegistrations REGISTRATIONS =
            KryoRegistrations.builder()
                    .register(Blob.class, 20)
                    .register(Object[].class, 21)
                    .register(HashMap.class, 22)
                    .register(ArrayList.class, 23)
                    .register(int[].class, 24)
                    .build();

    public Blob() {}

    static Blob sample(int seed) {
        Blob blob = new Blob();
        blob.numbers = new int[] {seed, -seed, 7, 1 << 20};
        blob.text = "té" + "x".repeat(seed % 40) + "✓";
        blob.things = new Object[] {"a", seed, null, 3L};
        blob.counts = new HashMap<>();
        blob.counts.put("k" + seed, seed);
        blob.words = new ArrayList<>(Arrays.asList("w", "ö" + seed));
        return blob;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Blob)) {
            return false;
        }
        Blob that = (Blob) o;
        return Arrays.equals(numbers, that.numbers)
                && Objects.equals(text, that.text)
                && Arrays.equals(things, that.things)
                && Objects.equals(counts, that.counts)
                && Objects.equals(words, that.words);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(numbers), text, counts, words);
    }
}
