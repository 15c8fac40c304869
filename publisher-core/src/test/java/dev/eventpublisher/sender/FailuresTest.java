package dev.eventpublisher.sender;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/**
 * Which failures end an event's life. A broker's "too large" can hit the small records packed in one produce
 * batch with a big one (ExactlyOnceKafkaIT once failed 100 fine events that way), so it is blamed on the record
 * only when the producer refused it on the spot or the broker refused it again on its next try.
 */
class FailuresTest {
    private final RecordTooLargeException tooLarge = new RecordTooLargeException("The request included a message larger than the max");

    @Test
    void shouldGiveARecordTheBrokerCalledTooLargeOneMoreTry() {
        assertThat(Failures.ownFault(tooLarge)).isTrue();
        assertThat(Failures.mayBeABatchmatesFault(tooLarge, true, 0)).as("first answer from the broker").isTrue();
        assertThat(Failures.mayBeABatchmatesFault(new RecordBatchTooLargeException("batch"), true, 0)).isTrue();
        assertThat(Failures.mayBeABatchmatesFault(tooLarge, true, 1)).as("refused again on its next try").isFalse();
    }

    @Test
    void shouldBlameTheRecordAtOnceWhenTheProducerRefusedItOrTheFaultIsNotItsSize() {
        assertThat(Failures.mayBeABatchmatesFault(tooLarge, false, 0)).as("refused inside send(): its own size").isFalse();
        assertThat(Failures.mayBeABatchmatesFault(new InvalidTopicException("bad"), true, 0)).isFalse();
    }
}
