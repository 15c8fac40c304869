package dev.eventpublisher.daemon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;

/**
 * Builds the daemon's configuration from its layers, later ones winning:
 * <ol>
 *   <li>{@code reference.conf} in the jars (defaults);</li>
 *   <li>{@code <config-dir>/application.conf};</li>
 *   <li>{@code <config-dir>/<profile>.conf} ({@code development}, {@code production} or {@code test});</li>
 *   <li>the file named by {@code -Dconfig.file};</li>
 *   <li>environment variables (the table {@link #ENVIRONMENT});</li>
 *   <li>system properties {@code -Dpublisher.…}.</li>
 * </ol>
 * Every value keeps its origin (file and line, or the environment variable), so an error can say where a
 * bad value came from. Reads happen once, at start; nothing else in the daemon sees a {@link Config}.
 */
public final class ConfigLoader {
    /** Profiles the daemon knows; each may have a {@code <name>.conf} in the config directory. */
    public static final Set<String> PROFILES = Set.of("development", "production", "test");
    public static final String DEFAULT_PROFILE = "development";
    public static final String PROFILE_ENV = "PUBLISHER_PROFILE";
    public static final String PROFILE_PROPERTY = "publisher.profile";

    /** Environment variable → config path. The first five are the seed system's names. */
    public static final Map<String, String> ENVIRONMENT = environmentTable();

    /** Keys whose environment variable holds milliseconds, while the config key is a duration. */
    private static final Set<String> MILLISECOND_VARIABLES = Set.of("KAFKA_BATCH_TIMEOUT_MS");

    private ConfigLoader() {
    }

    private static Map<String, String> environmentTable() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("KAFKA_BATCH_SIZE", "publisher.batch.size");
        m.put("KAFKA_BATCH_TIMEOUT_MS", "publisher.batch.timeout");
        m.put("KAFKA_MAX_BATCH_SIZE", "publisher.batch.max-size");
        m.put("KAFKA_CONSUMER_MIN_BYTES", "publisher.kafka.consumer.min-bytes");
        m.put("KAFKA_CONSUMER_MAX_WAIT_MS", "publisher.kafka.consumer.max-wait-ms");
        m.put("KAFKA_BOOTSTRAP_SERVERS", "publisher.kafka.bootstrap-servers");
        m.put("PUBLISHER_HTTP_PORT", "publisher.http.port");
        m.put("PUBLISHER_EMBEDDED_KAFKA_PORT", "publisher.kafka.embedded.port");
        m.put("PUBLISHER_DATA_DIR", "publisher.kafka.embedded.data-dir");
        m.put("PUBLISHER_RING_SIZE", "publisher.ring.size");
        m.put("PUBLISHER_RING_MAX_BYTES", "publisher.ring.max-bytes");
        m.put("PUBLISHER_BACKPRESSURE", "publisher.ring.backpressure");
        m.put("PUBLISHER_HTTP_TOKEN", "publisher.http.auth.bearer-token");
        m.put("PUBLISHER_JOURNAL_ENABLED", "publisher.journal.enabled");
        m.put("PUBLISHER_JOURNAL_DIR", "publisher.journal.dir");
        m.put("PUBLISHER_JOURNAL_FSYNC", "publisher.journal.fsync");
        m.put("PUBLISHER_DELIVERY", "publisher.delivery");
        m.put("PUBLISHER_HTTP_IDEMPOTENCY_WINDOW", "publisher.http.idempotency.window");
        m.put("PUBLISHER_HTTP_IDEMPOTENCY_CAPACITY", "publisher.http.idempotency.capacity");
        return Map.copyOf(m);
    }

    /** The merged configuration and the profile it was built for. */
    public record Loaded(Config config, String profile, List<Path> files) {
    }

    /**
     * Loads and merges every layer.
     *
     * @param configDir       where application.conf and the profile files live (may not exist)
     * @param profileOverride a profile given on the command line, or null
     * @throws ConfigProblem  on an unknown profile or a file that does not parse
     */
    public static Loaded load(Path configDir, String profileOverride, Map<String, String> env, Properties systemProperties) {
        String[] profileAndSource = profile(profileOverride, env, systemProperties);
        String profile = profileAndSource[0];
        List<Path> files = new java.util.ArrayList<>();
        try {
            Config reference = ConfigFactory.defaultReference();
            Config application = parseIfExists(configDir.resolve("application.conf"), files);
            Config profileFile = parseIfExists(configDir.resolve(profile + ".conf"), files);
            Config explicitFile = ConfigFactory.empty();
            String configFile = systemProperties.getProperty("config.file");
            if (configFile != null) {
                Path path = Path.of(configFile);
                if (!Files.isRegularFile(path)) {
                    throw new ConfigProblem("invalid config.file=" + configFile + " (from system property config.file): "
                            + "no such file");
                }
                explicitFile = parse(path);
                files.add(path);
            }
            Config environment = environmentLayer(env);
            Config properties = ConfigFactory.parseProperties(publisherProperties(systemProperties),
                    ConfigParseOptions.defaults().setOriginDescription("system properties"));
            Config chosenProfile = ConfigFactory.parseMap(Map.of("publisher.profile", profile), profileAndSource[1]);
            Config merged = chosenProfile
                    .withFallback(properties)
                    .withFallback(environment)
                    .withFallback(explicitFile)
                    .withFallback(profileFile)
                    .withFallback(application)
                    .withFallback(reference)
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
            return new Loaded(merged, profile, List.copyOf(files));
        } catch (ConfigException e) {
            throw new ConfigProblem(oneLine(e.getMessage()));
        }
    }

    /** The profile and where it was chosen. */
    private static String[] profile(String override, Map<String, String> env, Properties systemProperties) {
        String source;
        String value;
        if (override != null) {
            value = override;
            source = "command line --profile";
        } else if (systemProperties.getProperty(PROFILE_PROPERTY) != null) {
            value = systemProperties.getProperty(PROFILE_PROPERTY);
            source = "system property " + PROFILE_PROPERTY;
        } else if (env.get(PROFILE_ENV) != null && !env.get(PROFILE_ENV).isBlank()) {
            value = env.get(PROFILE_ENV);
            source = "environment variable " + PROFILE_ENV;
        } else {
            return new String[] {DEFAULT_PROFILE, "default profile"};
        }
        if (!PROFILES.contains(value)) {
            throw new ConfigProblem("invalid publisher.profile=" + value + " (from " + source
                    + "): must be one of development, production, test");
        }
        return new String[] {value, source};
    }

    private static Config environmentLayer(Map<String, String> env) {
        Config layer = ConfigFactory.empty();
        for (Map.Entry<String, String> e : ENVIRONMENT.entrySet()) {
            String raw = env.get(e.getKey());
            if (raw == null) {
                continue;
            }
            String value = raw.trim();
            if (MILLISECOND_VARIABLES.contains(e.getKey()) && value.matches("-?\\d+")) {
                value = value + "ms";
            }
            // One layer per variable, so each value's origin names its own variable.
            Config single = ConfigFactory.parseMap(Map.of(e.getValue(), value), "environment variable " + e.getKey());
            layer = single.withFallback(layer);
        }
        return layer;
    }

    private static Properties publisherProperties(Properties systemProperties) {
        Properties ours = new Properties();
        for (String name : systemProperties.stringPropertyNames()) {
            if (name.startsWith("publisher.") && !name.equals(PROFILE_PROPERTY)) {
                ours.setProperty(name, systemProperties.getProperty(name));
            }
        }
        return ours;
    }

    private static Config parseIfExists(Path file, List<Path> files) {
        if (!Files.isRegularFile(file)) {
            return ConfigFactory.empty();
        }
        files.add(file);
        return parse(file);
    }

    private static Config parse(Path file) {
        return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }

    /** Where a value came from, short: {@code file:line}, {@code reference.conf:line (built-in default)}, or an env var. */
    public static String originOf(com.typesafe.config.ConfigValue value) {
        return ConfigReader.describe(value.origin());
    }

    static String oneLine(String message) {
        return message == null ? "unknown configuration error" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
