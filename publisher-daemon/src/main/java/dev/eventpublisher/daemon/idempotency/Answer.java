package dev.eventpublisher.daemon.idempotency;

/** An HTTP answer kept for a key: its status and JSON body. */
public record Answer(int status, byte[] body) {
}
