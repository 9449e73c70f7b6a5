package dev.spillway.backend.store.run;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReadAheadBuffersTest {

    @Test
    void aBufferGivenBackIsTakenAgainCleared() {
        ReadAheadBuffers buffers = new ReadAheadBuffers(4096);
        ByteBuffer first = buffers.take();
        assertThat(first.isDirect()).isTrue();
        assertThat(first.capacity()).isEqualTo(4096);
        first.position(100).limit(200);

        buffers.give(first);
        ByteBuffer again = buffers.take();

        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(4096);
    }

    @Test
    void keepsAtMostMaxIdleBuffersAndNoForeignOnes() {
        ReadAheadBuffers buffers = new ReadAheadBuffers(1024);
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < ReadAheadBuffers.MAX_IDLE + 5; i++) {
            taken.add(buffers.take());
        }
        taken.forEach(buffers::give);
        buffers.give(ByteBuffer.allocateDirect(8192)); // a one-off larger read-ahead
        buffers.give(ByteBuffer.allocate(1024)); // a heap buffer
        buffers.give(null); // a cursor that never read ahead

        assertThat(buffers.idleBytes()).isEqualTo(ReadAheadBuffers.MAX_IDLE * 1024L);
    }
}
