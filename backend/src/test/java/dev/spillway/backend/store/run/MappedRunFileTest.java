package dev.spillway.backend.store.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class MappedRunFileTest {

    @TempDir Path temp;

    @Test
    void copiesTheFileBytesAtAnyOffsetInsideTheMappedSize() throws IOException {
        byte[] contents = new byte[64 * 1024];
        new Random(5).nextBytes(contents);
        Path file = temp.resolve("data");
        Files.write(file, contents);
        int mappedSize = contents.length - 1000;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                MappedRunFile mapped = new MappedRunFile(channel, mappedSize)) {
            Random random = new Random(6);
            for (int i = 0; i < 200; i++) {
                int offset = random.nextInt(mappedSize);
                byte[] target = new byte[1 + random.nextInt(mappedSize - offset)];
                assertThat(mapped.copy(offset, target)).isTrue();
                assertThat(target).isEqualTo(
                        Arrays.copyOfRange(contents, offset, offset + target.length));
            }
            byte[] pastTheEnd = new byte[10];
            assertThat(mapped.copy(mappedSize - 5, pastTheEnd)).isFalse();
            assertThat(pastTheEnd).containsOnly(0);
        }
    }

    @Test
    void aRangeAcrossTwoMappingsIsLeftToTheChannel() throws IOException {
        // Sparse: a chunk and a bit, with marks around the boundary.
        Path file = temp.resolve("large");
        long boundary = MappedRunFile.CHUNK_BYTES;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}), boundary - 4);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                MappedRunFile mapped = new MappedRunFile(channel, boundary + 4)) {
            byte[] across = new byte[8];
            assertThat(mapped.copy(boundary - 4, across)).isFalse();
            byte[] before = new byte[4];
            assertThat(mapped.copy(boundary - 4, before)).isTrue();
            assertThat(before).containsExactly(1, 2, 3, 4);
            byte[] after = new byte[4];
            assertThat(mapped.copy(boundary, after)).isTrue();
            assertThat(after).containsExactly(5, 6, 7, 8);
        }
    }

    @Test
    void aClosedFileCopiesNothing() throws IOException {
        Path file = temp.resolve("data");
        Files.write(file, new byte[] {9, 8, 7, 6});
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedRunFile mapped = new MappedRunFile(channel, 4);
            byte[] target = new byte[2];
            assertThat(mapped.copy(0, target)).isTrue();
            mapped.close();
            mapped.close(); // idempotent
            byte[] afterClose = new byte[2];
            assertThat(mapped.copy(0, afterClose)).isFalse();
            assertThat(afterClose).containsOnly(0);
        }
    }

    @Test
    void closingUnmapsWithoutWaitingForTheCollectorOnThisJdk() {
        // Else the disk space of every deleted run stays allocated until a GC finds its buffer.
        assertThat(MappedRunFile.unmapsOnClose()).isTrue();
    }
}
