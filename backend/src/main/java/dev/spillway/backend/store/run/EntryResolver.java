package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolves one key across sources offered newest first (memtable, then runs from newest to
 * oldest), following the rules every reader and compaction share:
 *
 * <ul>
 *   <li>{@link EntryKind#APPEND} operands are collected until a {@link EntryKind#PUT} or {@link
 *       EntryKind#DELETE} (the <em>base</em>) or the last source is reached;
 *   <li>a PUT base yields {@code base , op1 , op2 ...} with the oldest operand first;
 *   <li>a DELETE base, or no base at all, yields the operands joined by the delimiter, or no value
 *       when there are no operands.
 * </ul>
 *
 * <p>Typical point read:
 *
 * <pre>{@code
 * resolver.reset();
 * for (source : newestFirst) {
 *     if (source has key && resolver.add(kind, value)) break;   // a base ends the search
 * }
 * byte[] value = resolver.value();                              // null: absent
 * }</pre>
 *
 * <p>Compaction whose output does not include the oldest run cannot know what lies below it, so
 * it writes {@link #resolvedKind(boolean) resolvedKind(false)}: a lone tombstone stays a tombstone
 * and an operand chain without a base stays an APPEND. With the oldest run included, tombstones
 * vanish and chains become plain values.
 *
 * <p>A resolver is reused across keys ({@link #reset()}) and is not thread-safe. Operands are
 * referenced, not copied, until the result is asked for.
 */
public final class EntryResolver {

    /** Operands newest first, as offered. */
    private final List<byte[]> operands = new ArrayList<>();

    private EntryKind base;
    private byte[] baseValue;

    /** Forgets everything offered so far. */
    public void reset() {
        operands.clear();
        base = null;
        baseValue = null;
    }

    /**
     * Offers the key's entry from the next older source. Returns {@code true} when the
     * resolution is complete: a base was reached, so older sources cannot change the result and
     * need not be read. Offering after completion is a bug.
     */
    public boolean add(EntryKind kind, byte[] value) {
        if (base != null) {
            throw new IllegalStateException("Resolution already complete; call reset() first");
        }
        if (kind == EntryKind.APPEND) {
            operands.add(value);
            return false;
        }
        base = kind;
        baseValue = value;
        return true;
    }

    /** Whether a PUT or DELETE has been offered. */
    public boolean isComplete() {
        return base != null;
    }

    /** Whether anything at all has been offered since the last reset. */
    public boolean isEmpty() {
        return base == null && operands.isEmpty();
    }

    /**
     * The key's value when the offered sources are all there are (a full read, or the search
     * ended at a base): {@code null} means the key is absent.
     */
    public byte[] value() {
        return resolvedKind(true) == null ? null : resolvedValue();
    }

    /**
     * The kind of the single entry that replaces everything offered, or {@code null} when
     * nothing needs to be written.
     *
     * @param includesOldest whether the offered sources reach down to the oldest run, so that
     *     nothing older can exist below them
     */
    public EntryKind resolvedKind(boolean includesOldest) {
        if (base == EntryKind.PUT) {
            return EntryKind.PUT;
        }
        if (base == EntryKind.DELETE) {
            if (!operands.isEmpty()) {
                // Elements appended after a delete form a complete value: the delete cut off
                // everything older.
                return EntryKind.PUT;
            }
            return includesOldest ? null : EntryKind.DELETE;
        }
        if (operands.isEmpty()) {
            return null;
        }
        return includesOldest ? EntryKind.PUT : EntryKind.APPEND;
    }

    /**
     * The bytes of the entry that replaces everything offered: the base value (if PUT) followed
     * by the operands oldest first, joined by the list delimiter; empty for a lone tombstone.
     */
    public byte[] resolvedValue() {
        boolean withBase = base == EntryKind.PUT;
        int count = operands.size();
        if (count == 0) {
            return withBase ? baseValue : new byte[0];
        }
        if (count == 1 && !withBase) {
            return operands.get(0);
        }
        int length = withBase ? baseValue.length + count : count - 1;
        for (byte[] operand : operands) {
            length += operand.length;
        }
        byte[] joined = new byte[length];
        int position = 0;
        boolean delimit = withBase;
        if (withBase) {
            System.arraycopy(baseValue, 0, joined, 0, baseValue.length);
            position = baseValue.length;
        }
        for (int i = count - 1; i >= 0; i--) {
            if (delimit) {
                joined[position++] = EntryKind.LIST_DELIMITER;
            }
            delimit = true;
            byte[] operand = operands.get(i);
            System.arraycopy(operand, 0, joined, position, operand.length);
            position += operand.length;
        }
        return joined;
    }
}
