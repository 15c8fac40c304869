package dev.eventpublisher.daemon.jmx;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;
import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * JVM metrics in the daemon's registry: Dropwizard's memory, GC and thread gauges, plus
 * {@code jvm.heap.used-after-gc}: the heap in use right after the latest collection of any kind, taken
 * from GC notifications. (The memory pools' own "after GC" figures for G1's old generation change only
 * after old or mixed collections, so under a steady load they can stay flat for hours.)
 */
public final class JvmMetrics {
    private static volatile long heapAfterGc = -1;

    private JvmMetrics() {
    }

    public static void register(MetricRegistry registry) {
        registry.register("jvm.memory", new MemoryUsageGaugeSet());
        registry.register("jvm.gc", new GarbageCollectorMetricSet());
        registry.register("jvm.threads", new ThreadStatesGaugeSet());
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                        Map<String, MemoryUsage> after = GarbageCollectionNotificationInfo
                                .from((CompositeData) notification.getUserData()).getGcInfo().getMemoryUsageAfterGc();
                        long used = 0;
                        for (Map.Entry<String, MemoryUsage> pool : after.entrySet()) {
                            if (heapPools.contains(pool.getKey())) {
                                used += pool.getValue().getUsed();
                            }
                        }
                        heapAfterGc = used;
                    }
                }, null, null);
            }
        }
        registry.gauge("jvm.heap.used-after-gc", () -> () -> heapAfterGc);
    }
}
