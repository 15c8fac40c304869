package dev.eventpublisher.daemon.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether the external tools some tests drive (npx, promtool, umoci, haproxy, ...) are installed. */
public final class Tools {
    private Tools() {
    }

    /** True if {@code command} is an executable on the PATH. */
    public static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
