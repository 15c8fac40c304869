package dev.eventpublisher.daemon.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.eventpublisher.daemon.config.ConfigLoader;
import dev.eventpublisher.daemon.config.DaemonSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code publisherd check-config}: print the effective configuration with origins, or the error. */
@Command(name = "check-config",
        description = "Validate the configuration and print the effective values with their origins (exit 0), "
                + "or print the problem (exit 2).")
public final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ConfigLoader.Loaded loaded = config.load();
        DaemonSettings settings = DaemonSettings.from(loaded);
        PrintWriter out = spec.commandLine().getOut();
        out.println("# profile: " + loaded.profile());
        out.println("# files: " + (loaded.files().isEmpty() ? "(none; built-in defaults)" : loaded.files()));
        out.println("# kafka: " + (settings.usesEmbeddedBroker()
                ? "embedded broker on 127.0.0.1:" + settings.embeddedPort() + " (data in " + settings.embeddedDataDir() + ")"
                : settings.bootstrapServers()));
        out.println("# layers, later wins: reference.conf < application.conf < " + loaded.profile()
                + ".conf < -Dconfig.file < environment < -Dpublisher.*; each value is followed by its origin");
        Config shown = redacted(loaded.config().getConfig("publisher"));
        java.util.List<String> lines = new java.util.ArrayList<>();
        int width = 0;
        java.util.SortedMap<String, ConfigValue> sorted = new java.util.TreeMap<>();
        shown.entrySet().forEach(e -> sorted.put("publisher." + e.getKey(), e.getValue()));
        for (String key : sorted.keySet()) {
            width = Math.max(width, key.length() + 3 + sorted.get(key).render(ConfigRenderOptions.concise()).length());
        }
        for (Map.Entry<String, ConfigValue> e : sorted.entrySet()) {
            String assignment = e.getKey() + " = " + e.getValue().render(ConfigRenderOptions.concise());
            lines.add(String.format("%-" + width + "s  # %s", assignment, ConfigLoader.originOf(e.getValue())));
        }
        lines.forEach(out::println);
        out.flush();
        return 0;
    }

    /** Secrets are shown as present, never printed. */
    private static Config redacted(Config config) {
        Config result = config;
        for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            boolean secret = key.contains("password") || key.contains("token") || key.contains("jaas") || key.contains("secret");
            if (secret && !String.valueOf(e.getValue().unwrapped()).isEmpty()) {
                result = result.withValue(e.getKey(),
                        ConfigValueFactory.fromAnyRef("<redacted>", e.getValue().origin().description()));
            }
        }
        return result;
    }
}
