package dev.spillway.backend.store.run;

/**
 * What one source holds for a key: its kind and value. The value array belongs to the caller.
 */
public record EntryValue(EntryKind kind, byte[] value) {}
