package dev.eventpublisher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CPU an idle process costs, per thread: each thread's time on a CPU (Linux's
 * {@code /proc/<pid>/task/<tid>/schedstat}, in nanoseconds) read before and after an idle spell, as a percentage
 * of one core. Threads of the same name are summed.
 */
final class IdleCpu {
    /** Percent of one core per thread name, highest first; {@code total} is the whole process. */
    record Result(double seconds, double total, Map<String, Double> byThread) {
    }

    private IdleCpu() {
    }

    static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/schedstat"));
    }

    static Result measure(long pid, Duration idle) throws IOException, InterruptedException {
        Map<String, long[]> before = snapshot(pid);
        long start = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(idle.toNanos());
        Map<String, long[]> after = snapshot(pid);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Double> byName = new TreeMap<>();
        double total = 0;
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] was = before.get(e.getKey());
            long ns = e.getValue()[1] - (was == null ? 0 : was[1]);
            String name = threadName(e.getKey());
            double percent = ns / 1e9 / seconds * 100;
            byName.merge(name, percent, Double::sum);
            total += percent;
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        byName.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0));
        return new Result(seconds, Math.round(total * 1000) / 1000.0, sorted);
    }

    /** CPU time so far, in nanoseconds, of the process's threads whose name passes {@code names}. */
    static long threadNanos(long pid, java.util.function.Predicate<String> names) throws IOException {
        long sum = 0;
        for (Map.Entry<String, long[]> e : snapshot(pid).entrySet()) {
            if (names.test(threadName(e.getKey()))) {
                sum += e.getValue()[1];
            }
        }
        return sum;
    }

    /** Thread key ("tid name") to {tid, ns on CPU}; threads that ended between reads are skipped. */
    private static Map<String, long[]> snapshot(long pid) throws IOException {
        Map<String, long[]> threads = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    long ns = Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split("\\s+")[0]);
                    long tid = Long.parseLong(task.getFileName().toString());
                    threads.put(tid + " " + name, new long[] {tid, ns});
                } catch (IOException | RuntimeException gone) {
                    // the thread ended
                }
            }
        }
        return threads;
    }

    private static String threadName(String key) {
        return key.substring(key.indexOf(' ') + 1);
    }
}
