package dev.eventpublisher.sender;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/** What a Kafka error says: the producer is finished, or the event itself is at fault, or neither. */
final class Failures {
    private Failures() {
    }

    /** Errors after which this producer cannot go on; a new one can. */
    static boolean isFatal(Throwable e, boolean closing) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException
                    || t instanceof InvalidProducerEpochException
                    || t instanceof OutOfOrderSequenceException
                    || t instanceof UnsupportedVersionException
                    || t instanceof ClusterAuthorizationException
                    || t instanceof TransactionalIdAuthorizationException
                    || (t instanceof IllegalStateException && !closing)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether sending the event again can never help: it is too large, its topic is invalid or not
     * authorised or missing (and Kafka will not create it), the broker refuses the record itself. Only these end a journalled event's life early;
     * everything else (a broker down, a timeout, a fenced or closed producer, an aborted transaction) is
     * Kafka's fault and the event is sent again.
     */
    static boolean ownFault(Throwable e) {
        return e instanceof RecordTooLargeException
                || e instanceof RecordBatchTooLargeException
                || e instanceof InvalidTopicException
                || e instanceof TopicNotFoundException
                || e instanceof TopicAuthorizationException
                || e instanceof InvalidRecordException
                || e instanceof InvalidTimestampException
                || e instanceof PolicyViolationException
                || e instanceof UnsupportedCompressionTypeException;
    }

    /**
     * A broker refuses a whole produce batch as too large for the topic; Kafka's producer then splits the batch
     * and sends the parts again, but a small record can still come back with the big one's error (seen with a
     * transactional producer: the split parts race a sequence error). So a record the broker called too large is
     * only blamed once it failed that way again on its next try. The producer's own check inside {@code send()}
     * (the record alone over {@code max.request.size}) is never a batchmate's doing.
     */
    static boolean mayBeABatchmatesFault(Throwable e, boolean failedInFlight, int resends) {
        return (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException)
                && failedInFlight && resends == 0;
    }
}
