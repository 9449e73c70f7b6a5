package dev.spillway.backend.store.run;

import dev.spillway.backend.store.entry.EntryKind;

/**
 * What one source holds for a key: its kind and value. The value array belongs to the caller.
 */
public record EntryValue(EntryKind kind, byte[] value) {}
