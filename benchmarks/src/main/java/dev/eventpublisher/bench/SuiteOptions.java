package dev.eventpublisher.bench;

import java.nio.file.Path;

/**
 * The command line the on-demand suites share: {@code --quick|--full|--smoke [--out DIR] [--daemon-lib DIR]
 * [--config-dir DIR] [--command TEXT]}.
 */
record SuiteOptions(String mode, Path out, Path daemonLib, Path configDir, String command) {

    /** @param script the wrapper script's path, e.g. {@code benchmarks/latency}, for the default command line */
    static SuiteOptions parse(String[] args, Path defaultOut, String script) {
        String mode = "quick";
        Path out = defaultOut;
        Path lib = Path.of("publisher-daemon/target/publisherd/lib");
        Path config = Path.of("config");
        String command = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick", "--full", "--smoke" -> mode = args[i].substring(2);
                case "--out" -> out = Path.of(args[++i]);
                case "--daemon-lib" -> lib = Path.of(args[++i]);
                case "--config-dir" -> config = Path.of(args[++i]);
                case "--command" -> command = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new SuiteOptions(mode, out, lib, config, command != null ? command : script + " --" + mode);
    }
}
