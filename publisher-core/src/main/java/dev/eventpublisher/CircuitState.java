package dev.eventpublisher;

/** The state of a publisher's circuit breaker (see {@code EventPublisherBuilder#circuitBreaker}). */
public enum CircuitState {
    /** Kafka takes events; publishing is normal. */
    CLOSED,
    /** Kafka stopped taking events: publishing is refused (or waits, under BLOCK) until a probe succeeds. */
    OPEN,
    /** Probing: publishing is allowed; healthy looks close the circuit, unhealthy ones open it again. */
    HALF_OPEN,
    /** The publisher runs without a circuit breaker. */
    DISABLED
}
