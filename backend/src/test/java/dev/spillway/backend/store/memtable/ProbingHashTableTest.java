package dev.spillway.backend.store.memtable;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ProbingHashTableTest {

    /** Entry numbers stand for themselves: the matcher compares the probe's first int. */
    private static final ProbingHashTable.EntryMatcher BY_NUMBER =
            (entry, key, length) -> entry == key[0];

    @Test
    void randomInsertsAndRemovesWithCollidingHashesMatchAMap() {
        ProbingHashTable table = new ProbingHashTable();
        Map<Integer, Integer> model = new HashMap<>();
        Random random = new Random(5);
        for (int step = 0; step < 200_000; step++) {
            int entry = random.nextInt(100);
            int hash = entry % 7; // heavy collisions: long probe runs, shifts on removal
            byte[] probe = {(byte) entry};
            boolean present = model.containsKey(entry);
            assertThat(table.find(hash, probe, 1, BY_NUMBER))
                    .isEqualTo(present ? entry : ProbingHashTable.NOT_FOUND);
            if (present && random.nextBoolean()) {
                table.remove(hash, entry);
                model.remove(entry);
            } else if (!present) {
                table.insert(hash, entry);
                model.put(entry, hash);
            }
            assertThat(table.size()).isEqualTo(model.size());
        }
    }
}
