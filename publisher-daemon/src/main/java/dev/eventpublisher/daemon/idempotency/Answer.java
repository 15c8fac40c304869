package dev.eventpublisher.daemon.idempotency;

import java.util.Arrays;

/** An HTTP answer kept for a key: its status and JSON body (compared by content). */
public record Answer(int status, byte[] body) {
    @Override
    public boolean equals(Object o) {
        return o instanceof Answer a && a.status == status && Arrays.equals(a.body, body);
    }

    @Override
    public int hashCode() {
        return 31 * status + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return status + " " + new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
}
