package io.tailwater.schemas.event;

import io.tailwater.schemas.TableSchema;

/**
 * A change to one row. {@code before} and {@code after} are aligned with {@code table.columns()};
 * {@code before} is null for inserts and snapshot reads, {@code after} is null for deletes.
 */
public record RowChange(TableSchema table, Op op, Object[] before, Object[] after, SourcePosition source)
        implements LogEvent {

    @Override
    public Kind kind() {
        return Kind.ROW;
    }

    /** The row image that identifies the row: {@code after} for upserts, {@code before} for deletes. */
    public Object[] keyImage() {
        return op == Op.DELETE ? before : after;
    }
}
