package dev.eventpublisher.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.codahale.metrics.Counter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** W3C Trace Context parsing: what is copied, what is ignored and counted. */
class TraceContextTest {
    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void shouldAcceptOnlyWellFormedTraceparents() {
        assertThat(TraceContext.isValidTraceparent(VALID)).isTrue();
        assertThat(TraceContext.isValidTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later")).isTrue();
        assertThat(TraceContext.isValidTraceparent(VALID + "-x")).as("version 00 has exactly four fields").isFalse();
        assertThat(TraceContext.isValidTraceparent(VALID.toUpperCase())).as("upper-case hex").isFalse();
        assertThat(TraceContext.isValidTraceparent("ff" + VALID.substring(2))).as("version ff").isFalse();
        assertThat(TraceContext.isValidTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isFalse();
        assertThat(TraceContext.isValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isFalse();
        assertThat(TraceContext.isValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")).isFalse();
        assertThat(TraceContext.isValidTraceparent("")).isFalse();
    }

    @Test
    void shouldCopyTracestateOnlyNextToAValidTraceparentAndCountMalformedOnes() {
        Counter malformed = new Counter();
        TraceContext trace = new TraceContext(malformed);
        HttpHeaders headers = new DefaultHttpHeaders().add("traceparent", VALID).add("tracestate", "a=1").add("tracestate", "b=2");
        List<Header> copied = trace.headers(headers);
        assertThat(copied).extracting(Header::key).containsExactly("traceparent", "tracestate");
        assertThat(new String(copied.get(1).value(), StandardCharsets.US_ASCII)).isEqualTo("a=1,b=2");

        assertThat(trace.headers(new DefaultHttpHeaders().add("traceparent", "garbage").add("tracestate", "a=1"))).isNull();
        assertThat(trace.headers(new DefaultHttpHeaders().add("traceparent", VALID).add("traceparent", VALID)))
                .as("two traceparents").isNull();
        assertThat(trace.headers(new DefaultHttpHeaders())).isNull();
        assertThat(malformed.getCount()).isEqualTo(2);
    }
}
