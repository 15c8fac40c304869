package dev.eventpublisher.sender;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import com.codahale.metrics.Counter;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Has the producer send what it holds — once the pipeline runs dry, and at a flush barrier — so {@code linger.ms}
 * costs nothing at low load and still fills Kafka's batches under load.
 *
 * <p>Why: with {@code linger.ms=0} Kafka's I/O thread drains a batch while the sender is still filling it, so at
 * saturation a request carried a quarter of the records it carries with a linger (measured ~1,600-2,800 against
 * ~8,000-11,000) and end-to-end throughput fell to 0.55-0.94x in paired rounds. With a linger, a lone synchronous event waited the
 * whole linger. The sender knows which case it is in: a batch followed by more is load (linger: let the batch
 * fill); a batch with nothing behind it is the end of a burst (send it now).
 *
 * <p>Kafka's only "send now" is {@link Producer#flush()}, which also blocks until every record it covered is
 * answered — including records waiting out a retry backoff — so it must not run on the sender thread. It runs
 * here, on a thread of its own: {@link #request()} (sender thread, cheap when already requested) wakes it, it
 * calls {@code flush()}; requests made while a flush runs coalesce into the next one. While a flush runs Kafka
 * sends every batch at once, which is the same as {@code linger.ms=0} for that moment — never worse than it.
 */
final class ProducerFlusher {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerFlusher.class);
    private final Supplier<Producer<byte[], byte[]>> producer;
    private final Counter flushes;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean stopped;

    ProducerFlusher(Supplier<Producer<byte[], byte[]>> producer, Counter flushes, String threadName) {
        this.producer = producer;
        this.flushes = flushes;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Sender thread: have Kafka send what it holds now (the pipeline ran dry, or a barrier passed). */
    void request() {
        // The flag is read first so that a burst of requests during one flush costs no atomic write each.
        if (!requested.get() && requested.compareAndSet(false, true)) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (!stopped) {
            if (!requested.getAndSet(false)) {
                // No timeout needed: request() and stop() set their flag before unparking, and an unpark that
                // comes before this park leaves a permit that makes it return at once.
                LockSupport.park(this);
                continue;
            }
            try {
                flushes.inc(); // counted as it starts: what it sends may be answered before flush() returns
                producer.get().flush();
            } catch (RuntimeException e) {
                // A producer closed or replaced underneath: its records are reported through their callbacks;
                // the next request flushes the new one.
                if (!stopped) {
                    LOG.debug("background flush: {}", e.toString());
                }
                // flush() ends with InterruptException when interrupted and leaves the flag set, which would make
                // every later park return at once.
                Thread.interrupted();
            }
        }
    }

    /** Closing thread: no more flushes; one in progress ends when the producer answers or is closed. */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    /** Waits up to {@code timeout} for the thread to end after {@link #stop()}. */
    void awaitStopped(Duration timeout) {
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
