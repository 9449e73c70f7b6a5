package dev.spillway.serializers.keys;

import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * A Flink tuple as its fields' encodings, one after the other. Each field encoding is
 * self-delimiting, so the concatenation is too; and since no field's encoding is a proper prefix of
 * another value's encoding of the same field, byte order is lexicographic tuple order (first field,
 * then second, ...) whenever every field's encoding preserves order.
 */
final class TupleEncoding<T extends Tuple> implements KeyEncoding<T> {

    private final KeyEncoding<Object>[] fields;
    private final boolean preservesOrder;
    private final int fixedLength;

    @SuppressWarnings({"unchecked", "rawtypes"})
    TupleEncoding(List<KeyEncoding<?>> fields) {
        if (fields.isEmpty() || fields.size() > Tuple.MAX_ARITY) {
            throw new IllegalArgumentException(
                    "A tuple key has 1 to " + Tuple.MAX_ARITY + " fields, not " + fields.size() + ".");
        }
        this.fields = fields.toArray(new KeyEncoding[0]);
        boolean ordered = true;
        int length = 0;
        for (KeyEncoding<?> field : fields) {
            ordered &= field.preservesOrder();
            length = length < 0 || field.fixedLength() < 0 ? -1 : length + field.fixedLength();
        }
        this.preservesOrder = ordered;
        this.fixedLength = length;
    }

    @Override
    public void encode(T value, DataOutputView out) throws IOException {
        if (value.getArity() != fields.length) {
            throw new IllegalArgumentException(
                    "Expected a tuple of " + fields.length + " fields, got " + value.getArity() + ".");
        }
        for (int i = 0; i < fields.length; i++) {
            Object field = value.getField(i);
            if (field == null) {
                throw new IllegalArgumentException("Field " + i + " of the key tuple is null; keys cannot hold null.");
            }
            fields[i].encode(field, out);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T decode(DataInputView in) throws IOException {
        T tuple = (T) Tuple.newInstance(fields.length);
        for (int i = 0; i < fields.length; i++) {
            tuple.setField(fields[i].decode(in), i);
        }
        return tuple;
    }

    @Override
    public boolean preservesOrder() {
        return preservesOrder;
    }

    @Override
    public int fixedLength() {
        return fixedLength;
    }

    @Override
    public String toString() {
        return "TUPLE" + Arrays.toString(fields);
    }
}
