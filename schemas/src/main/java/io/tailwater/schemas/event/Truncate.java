package io.tailwater.schemas.event;

import io.tailwater.schemas.TableId;

/** All rows of a table were removed on the leader. */
public record Truncate(TableId table, SourcePosition source) implements LogEvent {
    @Override
    public Kind kind() {
        return Kind.TRUNCATE;
    }
}
