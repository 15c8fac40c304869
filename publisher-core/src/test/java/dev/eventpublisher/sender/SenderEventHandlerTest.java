package dev.eventpublisher.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.MetricRegistry;
import dev.eventpublisher.outcome.Outcomes;
import org.junit.jupiter.api.Test;

/** When the sender thread tells its {@link BatchSender} it ran dry, and when a barrier asks it to send what it holds. */
class SenderEventHandlerTest {
    private final List<String> calls = new ArrayList<>();
    private final AtomicLong published = new AtomicLong();
    private final BatchSender sender = new BatchSender() {
        @Override
        public void send(OutgoingBatch batch) {
            calls.add("send");
        }

        @Override
        public void maintain() {
            calls.add("maintain");
        }

        @Override
        public void idle() {
            calls.add("idle");
        }

        @Override
        public void flushHeld() {
            calls.add("flushHeld");
        }

        @Override
        public void close(Duration timeout) {
        }
    };
    private final SenderEventHandler handler = new SenderEventHandler(sender,
            new Outcomes(new MetricRegistry(), System::nanoTime), new MetricRegistry(), published::get);

    private static BatchSlot maintenance() {
        BatchSlot slot = new BatchSlot(4);
        slot.loadMaintenance();
        return slot;
    }

    @Test
    void shouldGoIdleOnlyAtTheEndOfABatchWithNothingPublishedBehindIt() {
        published.set(7);
        handler.onEvent(maintenance(), 5, false);
        handler.onEvent(maintenance(), 6, true);
        assertThat(calls).as("more was published behind sequence 6: not idle").containsExactly("maintain", "maintain");

        handler.onEvent(maintenance(), 7, true);
        assertThat(calls).containsExactly("maintain", "maintain", "maintain", "idle");
    }

    @Test
    void shouldAskTheSenderToSendWhatItHoldsAtABarrier() {
        published.set(10);
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        BatchSlot slot = new BatchSlot(4);
        slot.loadBarrier(barrier);
        handler.onEvent(slot, 3, false);
        assertThat(calls).containsExactly("flushHeld");
        assertThat(barrier).as("no record was outstanding before it").isCompleted();
    }
}
