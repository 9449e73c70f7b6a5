/**
 * Flink {@code TypeSerializer}s for user types over Kryo 5 with registration required and stable,
 * explicit ids.
 *
 * <p>The public surface: {@link dev.spillway.serializers.KryoRegistrations} (declare classes and
 * ids), {@link dev.spillway.serializers.RegisteredKryoSerializer} and its snapshot, and {@link
 * dev.spillway.serializers.RegisteredKryoTypeInfoFactory} / {@link
 * dev.spillway.serializers.RegisteredKryoTypeInfo} to bind a type. The rest (the configured Kryo,
 * the per-serializer buffers, the length guards, the compatibility rules) is package-private.
 */
package dev.spillway.serializers;
