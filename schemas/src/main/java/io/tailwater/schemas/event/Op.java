package io.tailwater.schemas.event;

/** What happened to a row; the codes are Debezium's. */
public enum Op {
    /** Read by the initial snapshot. */
    READ("r"),
    CREATE("c"),
    UPDATE("u"),
    DELETE("d");

    private final String code;

    Op(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Op fromCode(String code) {
        return switch (code) {
            case "r" -> READ;
            case "c" -> CREATE;
            case "u" -> UPDATE;
            case "d" -> DELETE;
            default -> throw new IllegalArgumentException("unknown op '" + code + "'");
        };
    }
}
