/**
 * Flink's keyed state types over a {@link dev.spillway.backend.store.StateStore}.
 *
 * <p>Every state object ({@code SpillwayValueState}, {@code SpillwayListState}, {@code
 * SpillwayMapState}, {@code SpillwayReducingState}, {@code SpillwayAggregatingState}) is a view of
 * one state id in the store, addressed through the backend's current key and the state's current
 * namespace: {@link dev.spillway.backend.state.StateKeyBuilder} turns them into {@link
 * dev.spillway.backend.store.entry.CompositeKey} rows with one reused buffer. Values are stored in the
 * byte form Flink's canonical savepoints carry (lists joined with ',', map values behind a null
 * flag), so snapshots copy bytes: {@link dev.spillway.backend.state.SpillwaySnapshotResources} and
 * its iterator only rewrite keys into the canonical layout ({@code CanonicalKeys}), and {@link
 * dev.spillway.backend.state.SpillwayRestoreOperation} rewrites them back.
 *
 * <p>{@link dev.spillway.backend.state.KeyedStateRegistry} owns the state ids, the serializer
 * compatibility checks and, through {@code StateMigration}, the rewriting of values whose
 * serializer changed format.
 */
package dev.spillway.backend.state;
