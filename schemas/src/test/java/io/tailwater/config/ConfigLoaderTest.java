package io.tailwater.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    private static final String VALID = """
            stream: shop
            kafka:
              bootstrap.servers: localhost:9092
              security.protocol: SASL_SSL
            registry:
              url: http://localhost:8081/apis/ccompat/v7
            leader:
              jdbc-url: jdbc:postgresql://localhost:5432/shop
              user: replicator
              password: ${LEADER_PASSWORD}
              tables: [public.customers, public.orders]
            followers:
              reporting:
                jdbc-url: jdbc:postgresql://replica:5432/shop
                user: tailwater
                password: ${REPORTING_PASSWORD}
              analytics:
                jdbc-url: jdbc:sqlite:/var/lib/tailwater/analytics.db
            """;

    private final ConfigLoader loader = new ConfigLoader(Map.of("LEADER_PASSWORD", "s3cret", "REPORTING_PASSWORD", "hunter2")::get);

    @Test
    void theIssueExampleLoadsAsWritten() {
        StreamConfig c = loader.parse(VALID);
        assertThat(c.stream()).isEqualTo("shop");
        assertThat(c.logTopic()).isEqualTo("shop.log");
        assertThat(c.kafka()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.leader().password().value()).isEqualTo("s3cret");
        assertThat(c.leader().tables()).containsExactly("public.customers", "public.orders");
        assertThat(c.followers()).containsOnlyKeys("reporting", "analytics");
        assertThat(c.follower("analytics").kind()).isEqualTo(FollowerKind.SQLITE);
        assertThat(c.follower("reporting").password().value()).isEqualTo("hunter2");
    }

    @Test
    void onSlotLostIsStopUnlessResnapshotIsAskedFor() {
        assertThat(loader.parse(VALID).leader().resnapshotOnSlotLost()).isFalse();
        String leader = "  tables: [public.customers, public.orders]\n";
        assertThat(loader.parse(VALID.replace(leader, leader + "  on-slot-lost: resnapshot\n")).leader().resnapshotOnSlotLost()).isTrue();
        assertThat(loader.parse(VALID.replace(leader, leader + "  on-slot-lost: stop\n")).leader().resnapshotOnSlotLost()).isFalse();
        assertThatThrownBy(() -> loader.parse(VALID.replace(leader, leader + "  on-slot-lost: skip\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader.on-slot-lost").hasMessageContaining("'skip'");
    }

    @Test
    void theDecoderIsTailwatersOwnUnlessDebeziumIsAskedForOrNeeded() {
        assertThat(loader.parse(VALID).leader().decoder()).isEqualTo(StreamingDecoder.TAILWATER);
        String leader = "  tables: [public.customers, public.orders]\n";
        assertThat(loader.parse(VALID.replace(leader, leader + "  decoder: tailwater\n")).leader().decoder())
                .isEqualTo(StreamingDecoder.TAILWATER);
        assertThat(loader.parse(VALID.replace(leader, leader + "  decoder: debezium\n")).leader().decoder())
                .isEqualTo(StreamingDecoder.DEBEZIUM);
        assertThatThrownBy(() -> loader.parse(VALID.replace(leader, leader + "  decoder: wal2json\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader.decoder").hasMessageContaining("'wal2json'");
        // What would make the two readers capture different things is refused with the own one.
        assertThatThrownBy(() -> loader.parse(VALID.replace(leader, leader + "  decoder: tailwater\n  debezium:\n"
                + "    column.exclude.list: public.customers.secret\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader.debezium.column.exclude.list")
                .hasMessageContaining("leader.decoder: debezium");
        // Without a decoder set, such a setting makes Debezium the reader: only it applies the setting.
        LeaderConfig excluding = loader.parse(VALID.replace(leader, leader + "  debezium:\n    column.exclude.list: public.customers.secret\n"))
                .leader();
        assertThat(excluding.debezium()).containsEntry("column.exclude.list", "public.customers.secret");
        assertThat(excluding.decoder()).isEqualTo(StreamingDecoder.DEBEZIUM);
        assertThat(loader.parse(VALID.replace(leader, leader + "  debezium:\n    heartbeat.interval.ms: 500\n")).leader().decoder())
                .isEqualTo(StreamingDecoder.TAILWATER);
        // A MariaDB leader is read by Debezium; the setting is refused there.
        String maria = VALID.replace("jdbc:postgresql://localhost:5432/shop", "jdbc:mariadb://localhost:3306/shop");
        assertThat(loader.parse(maria).leader().decoder()).isEqualTo(StreamingDecoder.DEBEZIUM);
        assertThatThrownBy(() -> loader.parse(maria.replace(leader, leader + "  decoder: debezium\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader.decoder");
    }

    @Test
    void secretsNeverShowInToString() {
        StreamConfig c = loader.parse(VALID);
        assertThat(c.toString()).doesNotContain("s3cret").doesNotContain("hunter2").contains("****");
    }

    @Test
    void aMissingEnvironmentVariableNamesTheKeyAndTheVariable() {
        ConfigLoader noEnv = new ConfigLoader(Map.<String, String>of()::get);
        assertThatThrownBy(() -> noEnv.parse(VALID))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("leader.password")
                .hasMessageContaining("LEADER_PASSWORD");
    }

    @Test
    void defaultsApplyWhenTheVariableIsMissing() {
        ConfigLoader noEnv = new ConfigLoader(Map.<String, String>of()::get);
        assertThat(noEnv.substitute("${X:-fallback}", "k")).isEqualTo("fallback");
    }

    @Test
    void eachProblemNamesItsKey() {
        assertProblem(VALID.replace("  bootstrap.servers: localhost:9092\n", ""), "kafka.bootstrap.servers");
        assertProblem(VALID.replace("stream: shop", "stream: 'a b'"), "stream");
        assertProblem(VALID.replace("  url: http://localhost:8081/apis/ccompat/v7", "  url: localhost:8081"), "registry.url");
        assertProblem(VALID.replace("jdbc:postgresql://localhost:5432/shop", "jdbc:oracle:thin:@x"), "leader.jdbc-url");
        assertProblem(VALID.replace("tables: [public.customers, public.orders]", "tables: []"), "leader.tables");
        assertProblem(VALID.replace("tables: [public.customers, public.orders]", "tables: ['public.(']"), "leader.tables[0]");
        assertProblem(VALID.replace("jdbc:sqlite:", "jdbc:oracle:"), "followers.analytics.jdbc-url");
        assertProblem(VALID.replace("    user: tailwater", "    usr: tailwater"), "followers.reporting.usr");
        assertProblem(VALID + "extra: 1\n", "extra");
        assertProblem(VALID.replace("stream: shop\n", ""), "stream");
        assertProblem("stream: [unclosed", "");
    }

    @Test
    void theFailoverSectionIsReadAndValidated() {
        assertThat(loader.parse(VALID).failover().enabled()).isFalse();
        FailoverConfig f = loader.parse(VALID + "failover:\n  candidates: [reporting]\n  leader-timeout: 5s\n").failover();
        assertThat(f.enabled()).isTrue();
        assertThat(f.candidates()).containsExactly("reporting");
        assertThat(f.leaderTimeout()).hasSeconds(5);
        assertThat(f.minInterval()).hasMinutes(10);
        assertProblem(VALID + "failover:\n  candidates: []\n", "failover.candidates");
        assertProblem(VALID + "failover:\n  candidates: [nobody]\n", "failover.candidates[0]");
        assertProblem(VALID + "failover:\n  candidates: [analytics]\n", "failover.candidates[0]");
        assertProblem(VALID + "failover:\n  candidates: [reporting]\n  leader-timeout: 0s\n", "failover.leader-timeout");
        assertProblem(VALID + "failover:\n  candidates: [reporting]\n  timeout: 5s\n", "failover.timeout");
    }

    @Test
    void followerGroupSettingsAreValidated() {
        String bad = VALID.replace("    jdbc-url: jdbc:sqlite:/var/lib/tailwater/analytics.db",
                "    jdbc-url: jdbc:sqlite:/var/lib/tailwater/analytics.db\n    max-group-rows: lots");
        assertProblem(bad, "followers.analytics.max-group-rows");
        String delay = VALID.replace("    jdbc-url: jdbc:sqlite:/var/lib/tailwater/analytics.db",
                "    jdbc-url: jdbc:sqlite:/var/lib/tailwater/analytics.db\n    max-group-delay: 250ms");
        assertThat(loader.parse(delay).follower("analytics").maxGroupDelay()).hasMillis(250);
    }

    private void assertProblem(String yaml, String key) {
        assertThatThrownBy(() -> loader.parse(yaml))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
                .hasMessageStartingWith(key.isEmpty() ? "" : key + ":");
    }
}
