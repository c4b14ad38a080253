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

    /** The change in words, for messages: {@code insert}, {@code update}, {@code delete} or {@code snapshot read}. */
    public String describe() {
        return switch (this) {
            case READ -> "snapshot read";
            case CREATE -> "insert";
            case UPDATE -> "update";
            case DELETE -> "delete";
        };
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
