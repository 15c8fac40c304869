package dev.eventpublisher.sender;

import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.codahale.metrics.Counter;
import dev.eventpublisher.PublishResult;
import dev.eventpublisher.outcome.Outcomes;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes events that failed for a reason of their own (too large for the topic, invalid topic, not
 * authorised for it...) to a dead-letter topic, with their key, value and headers plus
 * {@code dead-letter.original-topic}, {@code dead-letter.reason} and {@code dead-letter.error}.
 *
 * <p>Failures are queued by whichever thread learns of them (usually Kafka's I/O thread, which must not
 * call {@code send()} itself) and written by the sender thread. The event's outcome is decided when the
 * dead-letter write answers: failure {@code dead_letter} with a {@link DeadLetteredException} saying where
 * it is, or — if that write fails too — the original failure.
 */
final class DeadLetterRoute {
    /** Sends a record on the sender thread; returns the error if Kafka refused it on the spot. */
    interface Sender {
        Exception send(ProducerRecord<byte[], byte[]> record, Callback callback);
    }

    private record Pending(RecordCallback original, Exception error) {
    }

    private final String topic;
    private final Counter deadLettered;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    DeadLetterRoute(String topic, Counter deadLettered) {
        this.topic = topic;
        this.deadLettered = deadLettered;
    }

    /** Whether {@code error} is the event's own fault (and so worth a dead letter), not Kafka's. */
    static boolean applies(Throwable error) {
        return error instanceof ApiException && !(error instanceof RetriableException)
                && !(error instanceof AuthenticationException);
    }

    /** The dead letter of {@code original}: its key, value and headers, plus headers saying where it was going and why not. */
    static ProducerRecord<byte[], byte[]> letter(String topic, ProducerRecord<byte[], byte[]> original, Exception error) {
        RecordHeaders headers = new RecordHeaders(original.headers().toArray());
        headers.add(KafkaBatchSender.HEADER_ORIGINAL_TOPIC, original.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaBatchSender.HEADER_REASON,
                (Outcomes.KAFKA_PREFIX + error.getClass().getSimpleName()).getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaBatchSender.HEADER_ERROR, String.valueOf(error.getMessage()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, null, original.key(), original.value(), headers);
    }

    void enqueue(RecordCallback original, Exception error) {
        pending.add(new Pending(original, error));
    }

    boolean hasWork() {
        return !pending.isEmpty();
    }

    /** Sender thread: writes every queued dead letter (or, when closing, fails them with their own error). */
    void drain(Sender sender, boolean closing) {
        Pending p;
        while ((p = pending.poll()) != null) {
            if (closing) {
                p.original().delivery.fail(p.error());
                continue;
            }
            ProducerRecord<byte[], byte[]> letter = letter(topic, p.original().record, p.error());
            Pending written = p;
            Exception refused = sender.send(letter, new Callback() {
                @Override
                public void onCompletion(RecordMetadata metadata, Exception exception) {
                    if (exception == null) {
                        deadLettered.inc();
                        written.original().delivery.fail(Outcomes.DEAD_LETTER, new DeadLetteredException(
                                PublishResult.of(topic, metadata.partition(), metadata.offset()), written.error()));
                    } else if (!written.original().delivery.hasOutcome()) {
                        written.error().addSuppressed(exception);
                        written.original().delivery.fail(written.error());
                    }
                }
            });
            if (refused != null) {
                p.error().addSuppressed(refused);
                p.original().delivery.fail(p.error());
            }
        }
    }
}
