package io.tailwater.capture.postgres;

import io.tailwater.capture.postgres.PgOutputMessages.Begin;
import io.tailwater.capture.postgres.PgOutputMessages.Commit;
import io.tailwater.capture.postgres.PgOutputMessages.Relation;
import io.tailwater.capture.postgres.PgOutputMessages.RelationColumn;
import io.tailwater.capture.postgres.PgOutputMessages.Row;
import io.tailwater.capture.postgres.PgOutputMessages.Truncate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decodes messages PostgreSQL 15's pgoutput wrote (proto_version 1, read with
 * pg_logical_slot_peek_binary_changes) for: CREATE TABLE t (id int PRIMARY KEY, v text);
 * INSERT (1, 'a'); UPDATE SET v = 'b'; UPDATE SET id = 2; DELETE.
 */
class PgOutputMessagesTest {
    private static PgOutputMessages.Message decode(String hex) {
        return PgOutputMessages.decode(HexFormat.of().parseHex(hex));
    }

    @Test
    void beginAndCommitCarryTheXidTheEndLsnAndTheCommitTime() {
        Begin begin = (Begin) decode("42000000000152fe400003049e7464fa65000002d7");
        assertThat(begin.xid()).isEqualTo(727);
        assertThat(begin.finalLsn()).isEqualTo(0x152FE40L);
        Commit commit = (Commit) decode("4300000000000152fe40000000000152fe700003049e7464fa65");
        assertThat(commit.commitLsn()).isEqualTo(0x152FE40L);
        assertThat(commit.endLsn()).isEqualTo(0x152FE70L);
        assertThat(commit.commitTime()).isEqualTo(begin.commitTime());
        // microseconds since 2000-01-01: 0x3049e7464fa65
        assertThat(commit.commitTime()).isEqualTo(Instant.parse("2000-01-01T00:00:00Z").plusNanos(0x3049e7464fa65L * 1000));
    }

    @Test
    void aRelationNamesItsColumnsAndTheirIdentity() {
        Relation r = (Relation) decode("52000040097075626c69630074006400020169640000000017ffffffff00760000000019ffffffff");
        assertThat(r.oid()).isEqualTo(0x4009);
        assertThat(r.schema()).isEqualTo("public");
        assertThat(r.table()).isEqualTo("t");
        assertThat(r.replicaIdentity()).isEqualTo('d');
        assertThat(r.columns()).containsExactly(new RelationColumn("id", true, 23, -1), new RelationColumn("v", false, 25, -1));
    }

    @Test
    void rowsCarryTextValuesTheOldKeyWhenItChangedAndNulls() {
        Row insert = (Row) decode("49000040094e0002740000000131740000000161");
        assertThat(insert.op()).isEqualTo('I');
        assertThat(insert.old()).isNull();
        assertThat(insert.fresh()).containsExactly("1", "a");
        Row update = (Row) decode("55000040094e0002740000000131740000000162");
        assertThat(update.old()).isNull();
        assertThat(update.fresh()).containsExactly("1", "b");
        Row keyChange = (Row) decode("55000040094b00027400000001316e4e0002740000000132740000000162");
        assertThat(keyChange.old()).containsExactly("1", null);
        assertThat(keyChange.fresh()).containsExactly("2", "b");
        Row delete = (Row) decode("44000040094b00027400000001326e");
        assertThat(delete.op()).isEqualTo('D');
        assertThat(delete.old()).containsExactly("2", null);
        assertThat(delete.fresh()).isNull();
    }

    @Test
    void anUnchangedToastedValueIsMarkedAndATruncateListsItsTables() {
        Row update = (Row) decode("55000040094e000274000000013175");
        assertThat(update.fresh()[0]).isEqualTo("1");
        assertThat(update.fresh()[1]).isSameAs(PgOutputMessages.UNCHANGED);
        Truncate t = (Truncate) decode("5400000002000000400900004010");
        assertThat(t.oids()).isEqualTo(List.of(0x4009, 0x4010));
    }
}
