package dev.spillway.backend.state;

import dev.spillway.backend.store.entry.CompositeKey;

import java.util.Arrays;

/**
 * The store layout of timers: each timer queue has a store state id, and each key group of it is
 * one row with an empty key and an empty namespace, whose "map user keys" are the serialized
 * elements:
 *
 * <pre>
 *   [key group: 2B][state id: 2B][0: key length][0: namespace length][element bytes]
 * </pre>
 *
 * <p>Why a row: the memtable indexes rows, so an ordered scan of one key group's timers pins only
 * that row's entries, not the whole index; and key-group major order puts timers into canonical
 * savepoints and rescaling clips like any other state. The value is empty: the element is the key,
 * as in RocksDB's timer column families, so set semantics come from the store's keys.
 */
final class StoreTimerKeys {

    /** Bytes before the element: the row prefix. */
    static final int ELEMENT_OFFSET = CompositeKey.STATE_PREFIX_BYTES + 2;

    private StoreTimerKeys() {}

    static byte[] rowPrefix(int keyGroup, int stateId) {
        byte[] prefix = new byte[ELEMENT_OFFSET]; // the two length bytes stay 0
        CompositeKey.writeStatePrefix(prefix, keyGroup, stateId);
        return prefix;
    }

    /** The store key of an element: row prefix plus element bytes. */
    static byte[] storeKey(int keyGroup, int stateId, byte[] element, int offset, int length) {
        byte[] key = new byte[ELEMENT_OFFSET + length];
        CompositeKey.writeStatePrefix(key, keyGroup, stateId);
        System.arraycopy(element, offset, key, ELEMENT_OFFSET, length);
        return key;
    }

    /** The element bytes of a store key. */
    static byte[] element(byte[] storeKey) {
        return Arrays.copyOfRange(storeKey, ELEMENT_OFFSET, storeKey.length);
    }

    static int keyGroup(byte[] storeKey) {
        return CompositeKey.keyGroup(storeKey);
    }

    /**
     * The canonical snapshot key of a timer, {@code [key group prefix][element bytes]}, which is
     * what the hashmap and rocksdb backends write for priority-queue states.
     */
    static byte[] toCanonical(byte[] storeKey, int keyGroupPrefixBytes) {
        int elementLength = storeKey.length - ELEMENT_OFFSET;
        byte[] canonical = new byte[keyGroupPrefixBytes + elementLength];
        int keyGroup = CompositeKey.keyGroup(storeKey);
        if (keyGroupPrefixBytes == 1) {
            canonical[0] = (byte) keyGroup;
        } else {
            canonical[0] = (byte) (keyGroup >>> 8);
            canonical[1] = (byte) keyGroup;
        }
        System.arraycopy(storeKey, ELEMENT_OFFSET, canonical, keyGroupPrefixBytes, elementLength);
        return canonical;
    }
}
