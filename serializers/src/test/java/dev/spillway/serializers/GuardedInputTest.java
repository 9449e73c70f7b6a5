package dev.spillway.serializers;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuardedInputTest {

    private static final int HUGE = 1_000_000_000;

    @Test
    void countsLargerThanTheRemainingBytesFailBeforeAllocating() {
        assertRejected(in -> in.readBytes(HUGE), "byte array");
        assertRejected(in -> in.readInts(HUGE), "int array");
        assertRejected(in -> in.readInts(HUGE, true), "int array");
        assertRejected(in -> in.readLongs(HUGE), "long array");
        assertRejected(in -> in.readLongs(HUGE, false), "long array");
        assertRejected(in -> in.readFloats(HUGE), "float array");
        assertRejected(in -> in.readDoubles(HUGE), "double array");
        assertRejected(in -> in.readShorts(HUGE), "short array");
        assertRejected(in -> in.readChars(HUGE), "char array");
        assertRejected(in -> in.readBooleans(HUGE), "boolean array");
        assertRejected(in -> in.readInts(-1), "int array");
    }

    @Test
    void countsThatFitAreRead() {
        GuardedInput input = over(new byte[] {0, 0, 0, 7, 0, 0, 0, 9});
        assertThat(input.readInts(2)).hasSize(2);
        assertThat(input.position()).isEqualTo(8);
    }

    @Test
    void aUtf8StringClaimingMoreCharsThanBytesIsRejected() {
        Output output = new Output(16);
        output.writeVarIntFlag(true, HUGE + 1, true);
        output.writeBytes(new byte[] {'a', 'b'});
        assertThatThrownBy(() -> over(output.toBytes()).readString())
                .isInstanceOf(KryoException.class)
                .hasMessageContaining("string declares " + HUGE);
        assertThatThrownBy(() -> over(output.toBytes()).readStringBuilder())
                .isInstanceOf(KryoException.class);
    }

    @Test
    void stringsOfEveryShapeStillRoundTrip() {
        Output output = new Output(64);
        output.writeString(null);
        output.writeString("");
        output.writeString("ascii");
        output.writeString("ünï ✓ \uD83D\uDE00");
        GuardedInput input = over(output.toBytes());
        assertThat(input.readString()).isNull();
        assertThat(input.readString()).isEmpty();
        assertThat(input.readString()).isEqualTo("ascii");
        assertThat(input.readString()).isEqualTo("ünï ✓ \uD83D\uDE00");
    }

    @Test
    void capacityHintsAreCappedByTheRemainingBytes() {
        GuardedInput input = over(new byte[10]);
        input.setPosition(4);
        assertThat(GuardedInput.capToRemaining(input, HUGE)).isEqualTo(6);
        assertThat(GuardedInput.capToRemaining(input, 3)).isEqualTo(3);
        assertThat(GuardedInput.capToRemaining(input, -5)).isZero();
    }

    private static void assertRejected(Function<Input, Object> read, String what) {
        assertThatThrownBy(() -> read.apply(over(new byte[16])))
                .isInstanceOf(KryoException.class)
                .hasMessageContaining(what + " declares")
                .hasMessageContaining("16 bytes remain");
    }

    private static GuardedInput over(byte[] bytes) {
        GuardedInput input = new GuardedInput();
        input.setBuffer(bytes);
        return input;
    }
}
