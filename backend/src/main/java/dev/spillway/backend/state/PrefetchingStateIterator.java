package dev.spillway.backend.state;

import org.apache.flink.runtime.state.KeyValueStateIterator;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.function.SupplierWithException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a full snapshot on a thread of its own, a few batches ahead of Flink's writer.
 *
 * <p><b>Why.</b> A full snapshot is a pipeline of two halves of about equal cost: reading (the
 * merged scan of the runs: positional reads, block checks, the merge, canonical keys) and writing
 * (Flink's {@code FullSnapshotAsyncWriter} serializing every entry into the checkpoint stream).
 * On the one asynchronous snapshot thread they take turns; here the reading half runs on a
 * producer thread and hands the writer batches of {@value #BATCH_ENTRIES} entries through a
 * bounded queue, so the two overlap and the snapshot takes about as long as the slower half.
 *
 * <p><b>Interrupts.</b> Flink cancels an asynchronous snapshot (an aborted or subsumed
 * checkpoint, a cancelled task) by interrupting its thread, and a {@code FileChannel} that is
 * interrupted during a read closes itself: the run's channel, which the task thread's reads share.
 * All file reads of the snapshot happen on the producer, which is never interrupted; an interrupt
 * of the writer's thread ends the wait for the next batch instead ({@link InterruptedIOException})
 * and {@link #close()} stops the producer between two entries.
 *
 * <p><b>Memory.</b> At most {@value #BATCHES} batches exist, each holding references to the key
 * and value arrays of its entries (which the scan allocates anyway), so the read side is at most
 * {@code BATCHES * BATCH_ENTRIES} entries ahead of the writer.
 *
 * <p>The wrapped iterator is opened (its first reads position the scan), used and closed by the
 * producer thread only.
 */
final class PrefetchingStateIterator implements KeyValueStateIterator {

    static final int BATCH_ENTRIES = 1024;
    static final int BATCHES = 4;
    private static final long POLL_MILLIS = 10;

    private final BlockingQueue<Batch> filled = new ArrayBlockingQueue<>(BATCHES);
    private final BlockingQueue<Batch> empty = new ArrayBlockingQueue<>(BATCHES);
    private final Thread producer;
    private volatile boolean cancelled;

    private Batch current;
    private int position;

    /**
     * Opens the scan on a new thread named {@code threadName} and starts reading it; returns once
     * the first batch is there (so {@link #isValid()} can answer). A failure to open is thrown
     * here.
     */
    PrefetchingStateIterator(
            SupplierWithException<KeyValueStateIterator, IOException> scan, String threadName)
            throws IOException {
        for (int i = 0; i < BATCHES; i++) {
            empty.add(new Batch());
        }
        producer = new Thread(() -> produce(scan), threadName);
        producer.setDaemon(true);
        // Heap timer elements and TTL transformers may need the job's classes.
        producer.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        producer.start();
        try {
            current = takeFilled();
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public void next() throws IOException {
        position++;
        if (position == current.size && !current.last) {
            Batch done = current;
            current = null;
            done.clear();
            empty.add(done); // never full: at most BATCHES batches exist
            current = takeFilled();
            position = 0;
        }
    }

    @Override
    public boolean isValid() {
        return current != null && position < current.size;
    }

    @Override
    public int keyGroup() {
        return current.keyGroups[position];
    }

    @Override
    public byte[] key() {
        return current.keys[position];
    }

    @Override
    public byte[] value() {
        return current.values[position];
    }

    @Override
    public int kvStateId() {
        return current.kvStateIds[position];
    }

    @Override
    public boolean isNewKeyValueState() {
        return (current.flags[position] & Batch.NEW_STATE) != 0;
    }

    @Override
    public boolean isNewKeyGroup() {
        return (current.flags[position] & Batch.NEW_KEY_GROUP) != 0;
    }

    /** Stops the producer (between two entries) and waits for it to close the wrapped iterator. */
    @Override
    public void close() {
        cancelled = true;
        boolean interrupted = false;
        while (producer.isAlive()) {
            try {
                producer.join();
            } catch (InterruptedException e) {
                // Keep waiting: the producer closes the scan's cursors, which must happen before
                // the snapshot's resources are released. It stops within one entry.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The next filled batch; rethrows the producer's failure. */
    private Batch takeFilled() throws IOException {
        Batch batch;
        try {
            batch = filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while waiting for the snapshot scan");
        }
        if (batch.failure != null) {
            ExceptionUtils.rethrowIOException(batch.failure);
        }
        return batch;
    }

    private void produce(SupplierWithException<KeyValueStateIterator, IOException> scan) {
        Batch batch = null;
        try (KeyValueStateIterator source = scan.get()) {
            while (!cancelled) {
                batch = poll(empty);
                if (batch == null) {
                    return;
                }
                while (batch.size < BATCH_ENTRIES && source.isValid() && !cancelled) {
                    batch.add(source);
                    source.next();
                }
                batch.last = !source.isValid();
                Batch handed = batch;
                batch = null;
                if (!offer(handed) || handed.last) {
                    return;
                }
            }
        } catch (Throwable failure) {
            Batch report = batch != null ? batch : new Batch();
            report.failure = failure;
            report.last = true;
            offer(report);
        }
    }

    /** Waits for an empty batch while not cancelled; {@code null} once cancelled. */
    private Batch poll(BlockingQueue<Batch> queue) throws InterruptedException {
        Batch batch = null;
        while (batch == null && !cancelled) {
            batch = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
        return batch;
    }

    /** Hands a batch to the writer's side; {@code false} if cancelled meanwhile. */
    private boolean offer(Batch batch) {
        try {
            while (!cancelled) {
                if (filled.offer(batch, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            // Nobody interrupts the producer; if someone did, stop as if cancelled.
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Up to {@link #BATCH_ENTRIES} entries as the wrapped iterator showed them. */
    private static final class Batch {
        static final byte NEW_KEY_GROUP = 1;
        static final byte NEW_STATE = 2;

        final int[] keyGroups = new int[BATCH_ENTRIES];
        final int[] kvStateIds = new int[BATCH_ENTRIES];
        final byte[] flags = new byte[BATCH_ENTRIES];
        final byte[][] keys = new byte[BATCH_ENTRIES][];
        final byte[][] values = new byte[BATCH_ENTRIES][];
        int size;
        boolean last;
        Throwable failure;

        void add(KeyValueStateIterator source) {
            keyGroups[size] = source.keyGroup();
            kvStateIds[size] = source.kvStateId();
            flags[size] =
                    (byte)
                            ((source.isNewKeyGroup() ? NEW_KEY_GROUP : 0)
                                    | (source.isNewKeyValueState() ? NEW_STATE : 0));
            keys[size] = source.key();
            values[size] = source.value();
            size++;
        }

        void clear() {
            Arrays.fill(keys, 0, size, null);
            Arrays.fill(values, 0, size, null);
            size = 0;
            last = false;
        }
    }
}
