package dev.eventpublisher.testing;

import dev.eventpublisher.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension: one real KRaft broker for the whole test run (a broker takes seconds to start),
 * stopped when the run ends. Tests use distinct topics so they do not see each other's events.
 */
public final class SharedKafkaBroker implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKafkaBroker.class);

    private static volatile EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("broker", key -> {
            EmbeddedKafkaBroker started = EmbeddedKafkaBroker.builder().build().start();
            broker = started;
            return started; // AutoCloseable: JUnit closes it when the run ends
        });
    }

    /** The running broker; valid in tests of classes extended with this extension. */
    public static EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(SharedKafkaBroker.class)");
        }
        return broker;
    }

    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
