package dev.spillway.examples.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the stop-the-world GC pauses of this JVM while it is open, through the JVM's GC
 * notifications (one per collection, with its duration). Collections by a concurrent collector
 * thread ("G1 Concurrent GC", ZGC and Shenandoah cycles) are not pauses and are left out.
 */
final class GcPauseRecorder implements NotificationListener, AutoCloseable {

    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private long pauses;
    private long totalMillis;
    private long maxMillis;

    private GcPauseRecorder() {}

    static GcPauseRecorder start() {
        GcPauseRecorder recorder = new GcPauseRecorder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter) {
                NotificationEmitter emitter = (NotificationEmitter) gc;
                emitter.addNotificationListener(recorder, null, null);
                recorder.emitters.add(emitter);
            }
        }
        return recorder;
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        if (info.getGcName().contains("Concurrent")
                || info.getGcName().startsWith("ZGC")
                || info.getGcName().startsWith("Shenandoah Cycles")) {
            return;
        }
        record(info.getGcInfo().getDuration());
    }

    private synchronized void record(long millis) {
        pauses++;
        totalMillis += millis;
        maxMillis = Math.max(maxMillis, millis);
    }

    synchronized long pauses() {
        return pauses;
    }

    synchronized long totalMillis() {
        return totalMillis;
    }

    synchronized long maxMillis() {
        return maxMillis;
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(this);
            } catch (ListenerNotFoundException e) {
                // Never added: nothing to remove.
            }
        }
    }
}
