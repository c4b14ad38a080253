package io.tailwater.applier;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.PositionedEvent;
import io.tailwater.schemas.event.LogEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * Complete leader transactions waiting to be applied together in one follower transaction, and
 * the rows of the leader transaction still being read. A follower only ever receives complete
 * transactions: rows join the group when their transaction-end record is read.
 */
final class TransactionGroup {
    private final List<PositionedEvent> open = new ArrayList<>();
    private final List<PositionedEvent> complete = new ArrayList<>();
    /** For each complete leader transaction: how many events of {@link #complete} end with it, and its position. */
    private final List<Integer> transactionEnds = new ArrayList<>();
    private final List<AppliedPosition> transactionPositions = new ArrayList<>();
    private AppliedPosition position;
    private long firstCompleteNanos;
    private int transactions;

    void addToOpen(long offset, LogEvent event) {
        open.add(new PositionedEvent(offset, event));
    }

    /** Closes the open leader transaction; the group now ends at {@code end}. */
    void closeTransaction(AppliedPosition end) {
        if (complete.isEmpty() && position == null) {
            firstCompleteNanos = System.nanoTime();
        }
        complete.addAll(open);
        open.clear();
        position = end;
        transactions++;
        transactionEnds.add(complete.size());
        transactionPositions.add(end);
    }

    /** Moves the position past a record that changes no rows (a heartbeat), if no transaction is open. */
    boolean advanceIdle(AppliedPosition end) {
        if (!open.isEmpty()) {
            return false;
        }
        if (position == null) {
            firstCompleteNanos = System.nanoTime();
        }
        position = end;
        return true;
    }

    boolean isReady() {
        return position != null;
    }

    int rows() {
        return complete.size();
    }

    int transactions() {
        return transactions;
    }

    long ageNanos() {
        return position == null ? 0 : System.nanoTime() - firstCompleteNanos;
    }

    List<PositionedEvent> events() {
        return complete;
    }

    AppliedPosition position() {
        return position;
    }

    /**
     * The leading whole transactions that end before event {@code index}: how many events they
     * hold, or 0 when the first transaction already reaches it.
     */
    int eventsBefore(int index) {
        int events = 0;
        for (int end : transactionEnds) {
            if (end > index) {
                break;
            }
            events = end;
        }
        return events;
    }

    /** The position after the leading whole transactions holding {@code events} events. */
    AppliedPosition positionAfter(int events) {
        return transactionPositions.get(transactionEnds.lastIndexOf(events));
    }

    /** Forgets the applied part; the open transaction stays. */
    void clearApplied() {
        transactionEnds.clear();
        transactionPositions.clear();
        complete.clear();
        position = null;
        transactions = 0;
    }

    /** Forgets everything, after a seek back to the stored position. */
    void reset() {
        clearApplied();
        open.clear();
    }
}
