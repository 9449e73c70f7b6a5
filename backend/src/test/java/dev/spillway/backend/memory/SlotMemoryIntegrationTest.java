package dev.spillway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.runtime.memory.MemoryManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real Flink {@link MemoryManager}, as a TaskManager slot has, supplies the budget through the
 * shared managed-memory resource, as RocksDB's shared cache does.
 */
class SlotMemoryIntegrationTest {

    private static final long SLOT_MANAGED_MEMORY = 4L << 20;

    private final MemoryManager slot =
            MemoryManager.create(SLOT_MANAGED_MEMORY, MemoryManager.DEFAULT_PAGE_SIZE);

    @AfterEach
    void tearDown() {
        assertThat(slot.verifyEmpty()).isTrue();
        slot.shutdown();
    }

    @Test
    void backendsOfASlotShareOneManagerSizedByTheirFraction() {
        MemoryClient first = open(0.5, "op-1");
        MemoryClient second = open(0.5, "op-2");

        assertThat(first.manager()).isSameAs(second.manager());
        assertThat(first.manager().budget()).isEqualTo(SLOT_MANAGED_MEMORY / 2);
        assertThat(slot.availableMemory()).isEqualTo(SLOT_MANAGED_MEMORY / 2);

        TestConsumer memtable = TestConsumer.storage(first, "memtable");
        TestConsumer sort = TestConsumer.execution(second, "sort");
        memtable.addPages(64); // the whole 2 MiB budget in 32 KiB pages
        sort.addPages(16); // evicts half of the borrowed storage back
        assertThat(first.manager().storageUsed()).isEqualTo(48L * MemoryManager.DEFAULT_PAGE_SIZE);
        memtable.freeAll();
        sort.freeAll();

        first.close();
        assertThat(slot.availableMemory()).isEqualTo(SLOT_MANAGED_MEMORY / 2);
        assertThatThrownBy(() -> TestConsumer.execution(first, "late"))
                .isInstanceOf(IllegalStateException.class);

        UnifiedMemoryManager shared = second.manager();
        second.close(); // the last lease: the manager closes and the reservation is returned
        assertThat(slot.availableMemory()).isEqualTo(SLOT_MANAGED_MEMORY);
        assertThatThrownBy(() -> shared.newClient("after-close"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNewManagerIsCreatedAfterTheLastBackendLeft() {
        MemoryClient first = open(1.0, "op-1");
        UnifiedMemoryManager before = first.manager();
        first.close();

        MemoryClient again = open(1.0, "op-1-restarted");
        assertThat(again.manager()).isNotSameAs(before);
        assertThat(again.manager().budget()).isEqualTo(SLOT_MANAGED_MEMORY);
        again.close();
    }

    @Test
    void aSlotWithoutEnoughManagedMemoryFailsWithTheFix() {
        assertThatThrownBy(() -> open(0.001, "tiny"))
                .isInstanceOf(SpillwayMemoryException.class)
                .hasMessageContaining("cannot hold a single page")
                .hasMessageContaining("taskmanager.memory.managed");
    }

    @Test
    void managedMemoryTakenByOthersIsReportedWithTheSlotSizes() throws Exception {
        Object otherOperator = new Object();
        slot.reserveMemory(otherOperator, SLOT_MANAGED_MEMORY - 1024);
        try {
            assertThatThrownBy(() -> open(0.5, "op"))
                    .isInstanceOf(SpillwayMemoryException.class)
                    .hasMessageContaining("0.5 of the slot's " + SLOT_MANAGED_MEMORY)
                    .hasMessageContaining("1024 bytes still available");
        } finally {
            slot.releaseAllMemory(otherOperator);
        }
    }

    @Test
    void aLeakingBackendStillReturnsTheReservation() {
        MemoryClient client = open(0.5, "leaky-op");
        TestConsumer.storage(client, "memtable").addPages(3);
        if (MemoryClient.STRICT_LEAK_CHECKS) {
            assertThatThrownBy(client::close).hasMessageContaining("Memory leak");
        } else {
            client.close();
        }
        assertThat(slot.availableMemory()).isEqualTo(SLOT_MANAGED_MEMORY);
    }

    private MemoryClient open(double fraction, String name) {
        return UnifiedMemoryManager.openSlotClient(slot, fraction, MemorySettings.defaults(), name);
    }
}
