package dev.eventpublisher.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.eventpublisher.daemon.cli.CheckConfigCommand;
import dev.eventpublisher.daemon.cli.ConfigOptions;
import dev.eventpublisher.daemon.cli.JournalCommand;
import dev.eventpublisher.daemon.cli.LoadCommand;
import dev.eventpublisher.daemon.cli.RunCommand;
import dev.eventpublisher.daemon.cli.TailCommand;
import dev.eventpublisher.daemon.config.ConfigProblem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code publisherd}: the command line. Without a command it runs the daemon.
 * Exit codes: 0 done, 1 failed at run time, 2 bad configuration or usage.
 */
@Command(name = "publisherd", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Event publisher daemon: HTTP → Disruptor ring → topic batches → Kafka.",
        subcommands = {RunCommand.class, TailCommand.class, LoadCommand.class, JournalCommand.class, CheckConfigCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    public static final int EXIT_RUNTIME = 1;
    public static final int EXIT_CONFIG = 2;

    public static void main(String[] args) {
        useShippedLogbackConfig(args);
        CommandLine cli = new CommandLine(new Main());
        cli.registerConverter(java.time.Duration.class, Main::duration);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigProblem) {
                commandLine.getErr().println("publisherd: config error: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof Daemon.StartupException) {
                commandLine.getErr().println("publisherd: cannot start: " + e.getMessage());
                return EXIT_RUNTIME;
            }
            commandLine.getErr().println("publisherd: failed: " + e);
            org.slf4j.LoggerFactory.getLogger(Main.class).error("failed", e);
            return EXIT_RUNTIME;
        });
        System.exit(cli.execute(withDefaultCommand(args)));
    }

    /** No command given (nothing, or only run's options): the command is {@code run}. */
    static String[] withDefaultCommand(String[] args) {
        if (args.length == 0) {
            return new String[] {"run"};
        }
        String first = args[0];
        boolean rootOption = first.equals("-h") || first.equals("--help") || first.equals("-V") || first.equals("--version");
        if (first.startsWith("-") && !rootOption) {
            String[] withRun = new String[args.length + 1];
            withRun[0] = "run";
            System.arraycopy(args, 0, withRun, 1, args.length);
            return withRun;
        }
        return args;
    }

    @Override
    public Integer call() {
        return 0; // unreachable: main() always names a command
    }

    /**
     * Points logback at {@code <config-dir>/logback.xml} before anything logs, unless the user chose a
     * file with {@code -Dlogback.configurationFile}.
     */
    private static void useShippedLogbackConfig(String[] args) {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        String dir = System.getenv(ConfigOptions.CONFIG_DIR_ENV);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config-dir") && i + 1 < args.length) {
                dir = args[i + 1];
            } else if (args[i].startsWith("--config-dir=")) {
                dir = args[i].substring("--config-dir=".length());
            }
        }
        Path file = Path.of(dir == null || dir.isBlank() ? "config" : dir, "logback.xml");
        if (Files.isRegularFile(file)) {
            System.setProperty("logback.configurationFile", file.toAbsolutePath().toString());
        }
    }

    /** Durations as in the config files: 500ms, 10s, 5m, or ISO-8601 (PT10S). */
    static java.time.Duration duration(String text) {
        if (text.startsWith("P") || text.startsWith("p")) {
            return java.time.Duration.parse(text);
        }
        try {
            return com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("d", text)).getDuration("d");
        } catch (com.typesafe.config.ConfigException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (e.g. 500ms, 10s, 5m)");
        }
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"publisherd " + (version == null ? "(development build)" : version)
                    + " — Java " + System.getProperty("java.version")};
        }
    }
}
