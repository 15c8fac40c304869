package dev.eventpublisher.daemon.cli;

import java.nio.file.Path;

import dev.eventpublisher.daemon.config.ConfigLoader;
import dev.eventpublisher.daemon.config.DaemonSettings;
import picocli.CommandLine.Option;

/** Options every command shares: where the configuration lives and which profile to use. */
public final class ConfigOptions {
    /** Environment variable naming the config directory (the launcher sets it). */
    public static final String CONFIG_DIR_ENV = "PUBLISHER_CONFIG_DIR";

    @Option(names = "--config-dir", paramLabel = "DIR",
            description = "Directory with application.conf and the profile files (default: $PUBLISHER_CONFIG_DIR or ./config).")
    Path configDir;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "development | production | test (default: $PUBLISHER_PROFILE or development).")
    String profile;

    public Path configDir() {
        if (configDir != null) {
            return configDir;
        }
        String env = System.getenv(CONFIG_DIR_ENV);
        return Path.of(env == null || env.isBlank() ? "config" : env);
    }

    public ConfigLoader.Loaded load() {
        return ConfigLoader.load(configDir(), profile, System.getenv(), System.getProperties());
    }

    /** Loads and validates; throws {@code ConfigProblem} with a one-line message. */
    public DaemonSettings settings() {
        return DaemonSettings.from(load());
    }
}
