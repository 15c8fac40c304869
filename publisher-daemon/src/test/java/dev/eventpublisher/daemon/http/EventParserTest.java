package dev.eventpublisher.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.eventpublisher.Event;
import org.junit.jupiter.api.Test;

/** Bodies to events: compact values byte for byte, validation, and where a problem is. */
class EventParserTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void shouldKeepTheClientsTokensAndDropOnlyTheWhitespaceBetweenThem() throws Exception {
        String body = "{ \"a\" : [ 1 , 2.50, -3e2 ],\n\t\"s\": \"keep  spaces \\\" and \\\\ and \\u00e9\", \"n\": null }";

        assertThat(text(EventParser.singleValue(utf8(body))))
                .isEqualTo("{\"a\":[1,2.50,-3e2],\"s\":\"keep  spaces \\\" and \\\\ and \\u00e9\",\"n\":null}");
        assertThat(text(EventParser.singleValue(utf8("  \"x y\"  ")))).isEqualTo("\"x y\"");
        assertThat(text(EventParser.singleValue(utf8(" 42 ")))).isEqualTo("42");
        assertThat(text(EventParser.singleValue(utf8("true")))).isEqualTo("true");
    }

    @Test
    void shouldReadNdjsonWithKeysHeadersAndBlankLines() throws Exception {
        String body = "{\"topic\":\"a\",\"key\":\"k\\u00e9\",\"value\":{\"x\": 1},\"headers\":{\"h\":\"v\"}}\r\n"
                + "\n"
                + "  {\"topic\":\"a\",\"value\":[ ]}\n";

        List<Event> events = EventParser.ndjson(utf8(body));

        assertThat(events).hasSize(2);
        assertThat(events.get(0).topic()).isEqualTo("a");
        assertThat(text(events.get(0).key())).isEqualTo("ké");
        assertThat(text(events.get(0).value())).isEqualTo("{\"x\":1}");
        assertThat(events.get(0).headers()).singleElement().satisfies(h -> {
            assertThat(h.key()).isEqualTo("h");
            assertThat(text(h.value())).isEqualTo("v");
        });
        assertThat(events.get(1).key()).isNull();
        assertThat(text(events.get(1).value())).isEqualTo("[]");
        assertThat(events.get(1).topic()).as("same topic, same String").isSameAs(events.get(0).topic());
    }

    @Test
    void shouldRefuseInvalidUtf8EvenDeepInsideAValue() {
        byte[] body = {'{', '"', 't', 'o', 'p', 'i', 'c', '"', ':', '"', 'a', '"', ',', '"', 'v', 'a', 'l', 'u', 'e', '"', ':',
            '{', '"', 'x', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '}', '\n'};

        assertThatThrownBy(() -> EventParser.ndjson(body)).isInstanceOf(EventParser.BadRequest.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void shouldSayWhichLineBroke() {
        String body = "{\"topic\":\"a\",\"value\":1}\n{\"topic\":\"a\",\"value\":\n";

        assertThatThrownBy(() -> EventParser.ndjson(utf8(body))).hasMessageContaining("line 2");
        assertThatThrownBy(() -> EventParser.ndjson(utf8("{\"topic\":\"a\",\"value\":1} {\"topic\":\"a\",\"value\":2}\n")))
                .hasMessageContaining("line 1: one JSON object per line");
        assertThatThrownBy(() -> EventParser.ndjson(utf8("{\"topic\":\"a\",\"value\":1}\n{\"value\":2}\n")))
                .hasMessageContaining("line 2 (event 1): \"topic\" is required");
        assertThatThrownBy(() -> EventParser.jsonArray(utf8("[{\"topic\":\"a\",\"value\":1},\n{\"topic\":\"a\"}]")))
                .hasMessageContaining("event 1 (at line 2)").hasMessageContaining("\"value\" is required");
    }
}
