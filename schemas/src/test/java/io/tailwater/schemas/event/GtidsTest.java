package io.tailwater.schemas.event;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GtidsTest {

    @Test
    void aPositionHoldsAGtidWhenItsDomainHasReachedItsSequence() {
        Gtids position = Gtids.parse("0-1-4711,1-2-33");
        assertThat(position.contains(Gtids.parse("0-1-4711"))).isTrue();
        assertThat(position.contains(Gtids.parse("0-1-4712"))).isFalse();
        assertThat(position.contains(Gtids.parse("1-2-33,0-1-10"))).isTrue();
        assertThat(position.contains(Gtids.parse("2-1-1"))).isFalse();
        assertThat(position.contains(Gtids.NONE)).isTrue();
    }

    @Test
    void theNewestSequencePerDomainWinsAndTheTextIsInDomainOrder() {
        assertThat(Gtids.parse("1-2-33, 0-1-5,0-3-7").toString()).isEqualTo("0-3-7,1-2-33");
        assertThat(Gtids.parse("0-1-18446744073709551615").sequence(0)).isEqualTo(-1L); // unsigned: all bits set
        assertThat(Gtids.parse("").toString()).isEmpty();
    }

    @Test
    void anythingElseIsRefusedWithTheText() {
        assertThatThrownBy(() -> Gtids.parse("0-1")).hasMessageContaining("'0-1' is not a MariaDB GTID position");
        assertThatThrownBy(() -> Gtids.parse("16/B374D848")).hasMessageContaining("domain-server-sequence");
    }
}
