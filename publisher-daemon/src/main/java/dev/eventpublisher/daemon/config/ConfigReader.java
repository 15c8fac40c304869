package dev.eventpublisher.daemon.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;

/**
 * Typed reads from a {@link Config}, each checked against a rule; a failure names the key, the value,
 * its origin and the rule in one line ({@link ConfigProblem}).
 */
final class ConfigReader {
    private final Config config;

    ConfigReader(Config config) {
        this.config = config;
    }

    boolean has(String path) {
        return config.hasPath(path);
    }

    /** Where the value of {@code path} came from: {@code file:line}, a resource, or an environment variable. */
    String origin(String path) {
        return describe(config.getValue(path).origin());
    }

    static String describe(ConfigOrigin origin) {
        if (origin.filename() != null) {
            return origin.filename() + ":" + origin.lineNumber();
        }
        if (origin.resource() != null) {
            return origin.resource() + ":" + origin.lineNumber() + " (built-in default)";
        }
        if (origin.url() != null && origin.url().toString().endsWith("reference.conf")) {
            return "reference.conf:" + origin.lineNumber() + " (built-in default)";
        }
        return origin.description().replaceFirst(":\\s*\\d+$", "");
    }

    String text(String path) {
        ConfigValue value = config.getValue(path);
        Object unwrapped = value.unwrapped();
        return unwrapped == null ? "null" : unwrapped.toString();
    }

    ConfigProblem invalid(String path, String rule) {
        return new ConfigProblem("invalid " + path + "=" + text(path) + " (from " + origin(path) + "): " + rule);
    }

    int integer(String path, int min, int max) {
        int value;
        try {
            value = config.getInt(path);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw invalid(path, "must be an integer between " + min + " and " + max);
        }
        if (value < min || value > max) {
            throw invalid(path, "must be an integer between " + min + " and " + max);
        }
        return value;
    }

    long bytes(String path, long min, long max) {
        long value;
        try {
            value = config.getBytes(path);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw invalid(path, "must be a size in bytes (e.g. 4194304 or 4MiB) between " + min + " and " + max);
        }
        if (value < min || value > max) {
            throw invalid(path, "must be a size in bytes between " + min + " and " + max);
        }
        return value;
    }

    Duration duration(String path, boolean allowZero) {
        Duration value;
        String rule = allowZero ? "must be a duration >= 0 (e.g. 500ms, 2s)" : "must be a positive duration (e.g. 500ms, 2s)";
        try {
            value = config.getDuration(path);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw invalid(path, rule);
        }
        if (value.isNegative() || (!allowZero && value.isZero())) {
            throw invalid(path, rule);
        }
        return value;
    }

    boolean bool(String path) {
        try {
            return config.getBoolean(path);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw invalid(path, "must be true or false");
        }
    }

    String string(String path) {
        try {
            return config.getString(path).trim();
        } catch (ConfigException.WrongType e) {
            throw invalid(path, "must be a string");
        }
    }

    List<String> strings(String path) {
        try {
            return config.getStringList(path);
        } catch (ConfigException.WrongType e) {
            throw invalid(path, "must be a list of strings, e.g. [\"orders\", \"payments\"]");
        }
    }

    /** An enum written in kebab case in the config: {@code flush-all} → {@code FLUSH_ALL}. */
    <E extends Enum<E>> E choice(String path, Class<E> type) {
        String raw = string(path);
        String constant = raw.replace('-', '_').toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(constant)) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw invalid(path, "must be one of " + allowed);
    }
}
