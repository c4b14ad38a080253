package io.tailwater.capture.mariadb;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The Java charsets that decode MariaDB's character sets exactly; capture refuses text columns of any other. */
final class MariaDbCharsets {
    /** MariaDB's latin1 is Windows code page 1252, not ISO 8859-1. */
    private static final Map<String, Charset> CHARSETS = Map.of(
            "utf8mb4", StandardCharsets.UTF_8,
            "utf8mb3", StandardCharsets.UTF_8,
            "utf8", StandardCharsets.UTF_8,
            "latin1", Charset.forName("windows-1252"),
            "ascii", StandardCharsets.US_ASCII,
            "ucs2", StandardCharsets.UTF_16BE,
            "utf16", StandardCharsets.UTF_16BE,
            "utf16le", StandardCharsets.UTF_16LE,
            "utf32", Charset.forName("UTF-32BE"));

    static final String SUPPORTED = String.join(", ", new TreeSet<>(CHARSETS.keySet()));

    private MariaDbCharsets() {
    }

    /** The charset of MariaDB character set {@code name}, or null. */
    static Charset of(String name) {
        return name == null ? null : CHARSETS.get(name.toLowerCase(Locale.ROOT));
    }
}
