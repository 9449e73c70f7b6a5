/**
 * Deterministic, self-delimiting byte encodings of key values ({@code long}, {@code int}, {@code
 * String}, {@code byte[]} and tuples of them), most of them order-preserving, for use inside the
 * store's composite keys. Start at {@link dev.spillway.serializers.keys.KeyEncodings}.
 */
package dev.spillway.serializers.keys;
