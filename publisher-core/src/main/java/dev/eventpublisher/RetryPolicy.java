package dev.eventpublisher;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.common.errors.RetriableException;

/**
 * How the sender retries an event Kafka would not take — a retriable error from {@code send()} itself,
 * e.g. no metadata or no buffer space within {@code max.block.ms} while a broker is down. The record never
 * entered the producer, and the sender thread retries it before it sends anything else, so a key's events
 * keep their order. Waits grow exponentially with ±20 % jitter; an event stops being retried after
 * {@code maxAttempts} or once it is {@code maxAge} old, and then fails with its last error.
 *
 * <p>(Events Kafka took and then failed — e.g. its own {@code delivery.timeout.ms} expired — are not
 * retried by the pipeline: by then later events of the same partition may already be stored, and a
 * retry would reorder them. Kafka already retried those for {@code delivery.timeout.ms}.)
 *
 * @param maxAttempts    tries per event, the first included (1 = no retry)
 * @param maxAge         no retry once this long has passed since the first try
 * @param initialBackoff wait before the second try
 * @param maxBackoff     longest wait between tries
 */
public record RetryPolicy(int maxAttempts, Duration maxAge, Duration initialBackoff, Duration maxBackoff) {

    /** 10 tries within 2 minutes, waiting 100 ms, 200 ms, ... up to 5 s. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(10, Duration.ofMinutes(2), Duration.ofMillis(100),
            Duration.ofSeconds(5));

    /** No retries: the first failure is final. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** Whether an event that failed with {@code error} on try {@code attempt} (1-based) gets another. */
    public boolean shouldRetry(Throwable error, int attempt, long firstTryNanos, long nowNanos) {
        return error instanceof RetriableException && attempt < maxAttempts && nowNanos - firstTryNanos < maxAge.toNanos();
    }

    /** The wait before try {@code attempt + 1}, with jitter. */
    public long backoffNanos(int attempt) {
        long base = initialBackoff.toNanos() << Math.min(20, Math.max(0, attempt - 1));
        long capped = Math.min(maxBackoff.toNanos(), base);
        return (long) (capped * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    }
}
