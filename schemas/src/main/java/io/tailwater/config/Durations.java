package io.tailwater.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human durations used in config files and on the command line: {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}, {@code 7d}. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)?\\s*");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = SIMPLE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofHours(n);
            };
        }
        return Duration.parse(text.trim()); // ISO-8601, e.g. PT5S
    }
}
