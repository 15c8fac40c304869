package dev.eventpublisher.daemon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * HTTP ingestion settings.
 *
 * @param host          address to bind
 * @param port          port to bind (0: any free port, logged at start)
 * @param maxBodyBytes  larger request bodies are answered 413
 * @param syncTimeout   how long {@code ?sync=true} waits for Kafka's answers
 * @param ioThreads     Netty event-loop threads (0: one per core)
 * @param bearerToken   when non-empty, /v1 requests need {@code Authorization: Bearer <token>}
 * @param allowedTopics when non-empty, the only topics accepted (others get 403)
 * @param tls           serve HTTPS with {@code certificate} and {@code privateKey} (PEM)
 * @param idempotencyWindow   how long an Idempotency-Key is remembered
 * @param idempotencyCapacity how many keys are remembered at most
 */
public record HttpSettings(String host, int port, int maxBodyBytes, Duration syncTimeout, int ioThreads,
                           String bearerToken, Set<String> allowedTopics, boolean tls, Path certificate,
                           Path privateKey, Duration idempotencyWindow, int idempotencyCapacity) {

    public boolean authEnabled() {
        return !bearerToken.isEmpty();
    }
}
