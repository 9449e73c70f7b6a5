package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EntryResolverTest {

    private final EntryResolver resolver = new EntryResolver();

    @Test
    void putBaseIsExtendedByOperandsOldestFirst() {
        assertThat(resolver.add(EntryKind.APPEND, bytes("c"))).isFalse();
        assertThat(resolver.add(EntryKind.APPEND, bytes("b"))).isFalse();
        assertThat(resolver.add(EntryKind.PUT, bytes("a"))).isTrue();

        assertThat(text(resolver.value())).isEqualTo("a,b,c");
        assertThat(resolver.resolvedKind(false)).isEqualTo(EntryKind.PUT);
    }

    @Test
    void emptyPutBaseStillGetsADelimiter() {
        resolver.add(EntryKind.APPEND, bytes("x"));
        resolver.add(EntryKind.PUT, bytes(""));

        assertThat(text(resolver.value())).isEqualTo(",x");
    }

    @Test
    void emptyOperandsKeepTheirDelimiters() {
        resolver.add(EntryKind.APPEND, bytes(""));
        resolver.add(EntryKind.APPEND, bytes(""));

        assertThat(text(resolver.value())).isEqualTo(",");
    }

    @Test
    void deleteBaseCutsOffOlderStateButKeepsNewerOperands() {
        resolver.add(EntryKind.APPEND, bytes("y"));
        resolver.add(EntryKind.APPEND, bytes("x"));
        assertThat(resolver.add(EntryKind.DELETE, new byte[0])).isTrue();

        assertThat(text(resolver.value())).isEqualTo("x,y");
        assertThat(resolver.resolvedKind(false)).isEqualTo(EntryKind.PUT);
    }

    @Test
    void loneTombstoneIsKeptUnlessTheOldestRunIsIncluded() {
        resolver.add(EntryKind.DELETE, new byte[0]);

        assertThat(resolver.value()).isNull();
        assertThat(resolver.resolvedKind(true)).isNull();
        assertThat(resolver.resolvedKind(false)).isEqualTo(EntryKind.DELETE);
        assertThat(resolver.resolvedValue()).isEmpty();
    }

    @Test
    void operandChainWithoutBaseStaysAnAppendAboveOlderRuns() {
        resolver.add(EntryKind.APPEND, bytes("2"));
        resolver.add(EntryKind.APPEND, bytes("1"));

        assertThat(resolver.isComplete()).isFalse();
        assertThat(resolver.resolvedKind(false)).isEqualTo(EntryKind.APPEND);
        assertThat(resolver.resolvedKind(true)).isEqualTo(EntryKind.PUT);
        assertThat(text(resolver.resolvedValue())).isEqualTo("1,2");
    }

    @Test
    void nothingOfferedIsAbsent() {
        assertThat(resolver.isEmpty()).isTrue();
        assertThat(resolver.value()).isNull();
        assertThat(resolver.resolvedKind(false)).isNull();
    }

    @Test
    void resetStartsANewKey() {
        resolver.add(EntryKind.PUT, bytes("old"));
        resolver.reset();
        resolver.add(EntryKind.APPEND, bytes("new"));

        assertThat(text(resolver.value())).isEqualTo("new");
    }

    @Test
    void offeringAfterABaseIsABug() {
        resolver.add(EntryKind.PUT, bytes("a"));

        assertThatThrownBy(() -> resolver.add(EntryKind.PUT, bytes("b")))
                .isInstanceOf(IllegalStateException.class);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
