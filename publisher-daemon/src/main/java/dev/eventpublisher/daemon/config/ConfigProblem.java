package dev.eventpublisher.daemon.config;

/**
 * An invalid configuration value. The message is one line naming the key, the value, where it came
 * from and the rule, e.g. {@code invalid publisher.batch.size=abc (from environment variable
 * KAFKA_BATCH_SIZE): must be an integer}. The daemon prints it and exits with status 2; no stack trace.
 */
public final class ConfigProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigProblem(String message) {
        super(message, null, false, false);
    }
}
