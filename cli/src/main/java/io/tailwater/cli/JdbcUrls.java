package io.tailwater.cli;

import java.util.regex.Pattern;

/** JDBC URLs as the command line prints them: a password written into the URL is left out. */
final class JdbcUrls {
    private static final Pattern PASSWORD = Pattern.compile("(?i)([?&;]password=)[^&;]*");

    private JdbcUrls() {
    }

    /** The URL with the value of any {@code password} parameter replaced by {@code ***}. */
    static String redacted(String url) {
        return PASSWORD.matcher(url).replaceAll("$1***");
    }
}
