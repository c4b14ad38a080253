package io.tailwater.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Turns database identifiers, which may contain anything, into Avro names
 * ({@code [A-Za-z_][A-Za-z0-9_]*}). A name that had to change gets a short hash of the original
 * appended, so two different identifiers never map to one Avro name. The exact identifier is
 * always kept beside it as a schema property.
 */
public final class AvroNames {
    private AvroNames() {
    }

    public static String of(String identifier) {
        StringBuilder sb = new StringBuilder(identifier.length() + 10);
        for (int i = 0; i < identifier.length(); i++) {
            char c = identifier.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            sb.append(ok ? c : '_');
        }
        String name = sb.toString();
        if (name.isEmpty() || !name.equals(identifier)) {
            name = (name.isEmpty() || Character.isDigit(identifier.charAt(0)) ? "_" : "") + name + "_" + hash(identifier);
        }
        return name;
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
