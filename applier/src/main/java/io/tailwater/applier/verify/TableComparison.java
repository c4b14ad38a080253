package io.tailwater.applier.verify;

import io.tailwater.schemas.TableId;

/** A leader table's digest beside one follower's. */
public record TableComparison(TableId table, String follower, TableDigest leader, TableDigest copy) {
    public boolean matches() {
        return leader.equals(copy);
    }
}
