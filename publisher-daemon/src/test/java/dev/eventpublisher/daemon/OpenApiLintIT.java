package dev.eventpublisher.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpublisher.daemon.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * openapi.json linted by a standard OpenAPI linter, Redocly's CLI (its recommended rules), fetched from the
 * npm registry by {@code npx}: it must report neither an error nor a warning. Needs Node.js; on a machine
 * without {@code npx} the test is skipped (reported as such), since the build itself needs only a JDK.
 */
class OpenApiLintIT {
    /** The version this document was linted clean with; pinned so a new rule cannot break an old build. */
    static final String REDOCLY = "@redocly/cli@2.77.0";

    @Test
    void shouldLintCleanWithRedocly() throws Exception {
        Path document = Path.of("src/main/resources/openapi.json").toAbsolutePath();
        assertThat(document).exists();
        Assumptions.assumeTrue(Tools.onPath("npx"), "npx (Node.js) is not installed: the Redocly lint of openapi.json was not run");
        Path output = Files.createTempFile("redocly-", ".json");
        Path messages = Files.createTempFile("redocly-", ".log");
        Process lint = new ProcessBuilder(List.of("npx", "--yes", REDOCLY, "lint", "--format=json", document.toString()))
                .redirectOutput(output.toFile()).redirectError(messages.toFile()).start();
        assertThat(lint.waitFor(5, TimeUnit.MINUTES)).as("redocly finished").isTrue();
        String report = Files.readString(output);
        String context = report + Files.readString(messages);
        assertThat(lint.exitValue()).as(context).isZero();
        JsonNode totals = new ObjectMapper().readTree(report).get("totals");
        assertThat(totals.get("errors").asInt()).as(context).isZero();
        assertThat(totals.get("warnings").asInt()).as(context).isZero();
        assertThat(totals.get("ignored").asInt()).as(context).isZero();
    }

}
