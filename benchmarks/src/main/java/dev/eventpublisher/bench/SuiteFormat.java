package dev.eventpublisher.bench;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the on-demand suites' reports share: the summary's opening fields and the way numbers are written. */
final class SuiteFormat {
    private SuiteFormat() {
    }

    /** A summary map opening with the date (UTC), the mode and the command that produced it. */
    static Map<String, Object> summary(String mode, String command) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("date", OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        s.put("mode", mode);
        s.put("command", command);
        return s;
    }

    /** A rate as people read it: {@code 1.18 M}, {@code 731.0 k}, {@code 950}. */
    static String rate(double v) {
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2f M", v / 1e6) : v >= 1e3 ? String.format(Locale.ROOT, "%.1f k", v / 1e3)
                : String.format(Locale.ROOT, "%.0f", v);
    }

    /** A ratio kept to three decimals in the JSON. */
    static double ratio(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
