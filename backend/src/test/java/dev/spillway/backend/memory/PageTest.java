package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

/** The page access facade: reads and writes, comparisons, and the checks behind the switch. */
class PageTest {

    private static final int PAGE_SIZE = MemorySettings.MIN_PAGE_SIZE;

    private UnifiedMemoryManager manager;
    private MemoryClient client;
    private TestConsumer consumer;

    @BeforeAll
    static void checksAreOnInTests() {
        assumeTrue(Page.BOUNDS_CHECKS, "run with -Dspillway.bounds.checks=true (surefire does)");
    }

    @BeforeEach
    void setUp() {
        manager =
                new UnifiedMemoryManager(
                        16 * PAGE_SIZE, MemorySettings.defaults().withPageSize(PAGE_SIZE));
        client = manager.newClient("page-test");
        consumer = TestConsumer.execution(client, "pages");
    }

    @AfterEach
    void tearDown() {
        consumer.freeAll();
        client.close();
        manager.close();
    }

    @Test
    void readsBackWhatWasWritten() {
        Page page = consumer.allocatePage();
        page.putInt(0, 0xCAFEBABE);
        page.putLong(4, Long.MIN_VALUE + 7);
        page.putByte(PAGE_SIZE - 1, (byte) 0x7F);
        page.put(100, "hello".getBytes(StandardCharsets.UTF_8), 0, 5);

        assertThat(page.getInt(0)).isEqualTo(0xCAFEBABE);
        assertThat(page.getLong(4)).isEqualTo(Long.MIN_VALUE + 7);
        assertThat(page.getByte(PAGE_SIZE - 1)).isEqualTo((byte) 0x7F);
        byte[] read = new byte[7];
        page.get(100, read, 1, 5);
        assertThat(new String(read, 1, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
        consumer.freePage(page);
    }

    @Test
    void copiesBetweenPages() {
        Page source = consumer.allocatePage();
        Page target = consumer.allocatePage();
        source.putLong(8, 42L);
        source.copyTo(8, target, PAGE_SIZE - 8, 8);
        assertThat(target.getLong(PAGE_SIZE - 8)).isEqualTo(42L);
        consumer.freePage(source);
        consumer.freePage(target);
    }

    @Test
    void comparesAsUnsignedBytesWithPrefixFirst() {
        Page page = consumer.allocatePage();
        Page other = consumer.allocatePage();
        byte[] key = {1, 2, 3, 4, 5, 6, 7, 8, (byte) 0x80, 1};
        page.put(0, key, 0, key.length);
        other.put(16, key, 0, key.length);

        assertThat(page.compare(0, key.length, key, 0, key.length)).isZero();
        assertThat(page.compare(0, key.length, other, 16, key.length)).isZero();
        assertThat(page.compare(0, 9, key, 0, key.length)).isNegative();
        assertThat(page.compare(0, key.length, key, 0, 9)).isPositive();

        byte[] smaller = key.clone();
        smaller[8] = 0x7F; // 0x80 is larger as unsigned, smaller as signed
        assertThat(page.compare(0, key.length, smaller, 0, smaller.length)).isPositive();
        byte[] largerInFirstWord = key.clone();
        largerInFirstWord[0] = (byte) 0xFF;
        assertThat(page.compare(0, key.length, largerInFirstWord, 0, key.length)).isNegative();
        other.put(16, largerInFirstWord, 0, key.length);
        assertThat(page.compare(0, key.length, other, 16, key.length)).isNegative();
        consumer.freePage(page);
        consumer.freePage(other);
    }

    @Test
    void pointersResolveToTheirPage() {
        Page page = consumer.allocatePage();
        long pointer = page.pointer(123);
        assertThat(pointer).isNotEqualTo(PagePointer.NULL);
        assertThat(client.page(pointer)).isSameAs(page);
        assertThat(PagePointer.offset(pointer)).isEqualTo(123);
        assertThat(PagePointer.offset(pointer + 5)).isEqualTo(128);
        consumer.freePage(page);
        assertThatThrownBy(() -> client.page(pointer))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Dangling pointer");
    }

    @Test
    void reusesTheLowestFreePageNumber() {
        Page first = consumer.allocatePage();
        Page second = consumer.allocatePage();
        Page third = consumer.allocatePage();
        assertThat(first.number()).isEqualTo(1);
        consumer.freePage(second);
        consumer.freePage(first);

        Page reused = consumer.allocatePage();
        assertThat(reused.number()).isEqualTo(1);
        assertThat(client.pagesInUse()).isEqualTo(2);
        consumer.freePage(reused);
        consumer.freePage(third);
    }

    @Test
    void rejectsAccessOutsideThePage() {
        Page page = consumer.allocatePage();
        assertThatThrownBy(() -> page.getInt(PAGE_SIZE - 3))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("outside page " + page.number());
        assertThatThrownBy(() -> page.putLong(-1, 0L))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> page.get(0, new byte[8], 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> page.put(Integer.MAX_VALUE, new byte[8], 0, 8))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> page.compare(PAGE_SIZE - 4, 8, new byte[8], 0, 8))
                .isInstanceOf(IndexOutOfBoundsException.class);
        consumer.freePage(page);
    }

    @Test
    void detectsUseAfterFreeEvenWhenTheSegmentIsReused() {
        Page page = consumer.allocatePage();
        consumer.freePage(page);
        Page reused = consumer.allocatePage(); // the pool hands out the same segment again
        reused.putInt(0, 1);

        assertThatThrownBy(() -> page.getInt(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Use after free");
        assertThatThrownBy(() -> page.putLong(0, 0L)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> page.copyTo(0, reused, 0, 4))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> reused.copyTo(0, page, 0, 4))
                .isInstanceOf(IllegalStateException.class);
        assertThat(reused.getInt(0)).isEqualTo(1);
        consumer.freePage(reused);
    }

    @Test
    void detectsDoubleFree() {
        Page page = consumer.allocatePage();
        consumer.freePage(page);
        assertThatThrownBy(() -> consumer.freePage(page))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Double free");
        assertThat(consumer.getUsed()).isZero();
    }

    @Test
    void rejectsFreeingAnotherConsumersPage() {
        TestConsumer other = TestConsumer.execution(client, "other");
        Page page = other.allocatePage();
        assertThatThrownBy(() -> consumer.freePage(page))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to consumer 'other'");
        other.freePage(page);
        other.close();
    }

    @Test
    void oversizedPagesHaveTheRequestedSize() {
        Page big = consumer.allocatePage(3 * PAGE_SIZE + 1);
        assertThat(big.size()).isEqualTo(3 * PAGE_SIZE + 1);
        assertThat(consumer.getUsed()).isEqualTo(3 * PAGE_SIZE + 1);
        big.putByte(3 * PAGE_SIZE, (byte) 1);
        consumer.freePage(big);
        assertThat(consumer.getUsed()).isZero();
    }
}
