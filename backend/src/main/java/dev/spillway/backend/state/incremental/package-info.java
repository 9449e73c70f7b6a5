/**
 * Native incremental checkpoints: the store's immutable run files are uploaded once and shared by
 * later checkpoints through Flink's {@code SharedStateRegistry}, and restore adopts the files as
 * the store's runs instead of re-inserting their entries.
 */
package dev.spillway.backend.state.incremental;
