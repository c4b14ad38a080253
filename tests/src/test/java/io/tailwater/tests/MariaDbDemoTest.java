package io.tailwater.tests;

import io.tailwater.config.LeaderKind;
import io.tailwater.demo.Demo;
import io.tailwater.embedded.EmbeddedMariaDb;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** {@code tailwater demo --leader mariadb}: a MariaDB leader into every follower, under the shop workload, with its final check. */
class MariaDbDemoTest {

    @Test
    void theDemoWithAMariaDbLeaderEndsWithEveryFollowerMatching() throws Exception {
        assumeThat(EmbeddedMariaDb.available()).as("MariaDB is installed").isTrue();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean matched;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8); Demo demo = new Demo(out, LeaderKind.MARIADB)) {
            matched = demo.run(Duration.ofSeconds(15), 100);
        }
        String said = bytes.toString(StandardCharsets.UTF_8);
        assertThat(matched).as(said).isTrue();
        assertThat(said).contains("All followers match the leader.")
                .containsPattern("reporting\\s+shop\\.customers\\s+leader \\d+ rows.*MATCH")
                .containsPattern("warehouse\\s+shop\\.order_items\\s+leader \\d+ rows.*MATCH")
                .containsPattern("newcomer\\s+shop\\.orders\\s+leader \\d+ rows.*MATCH")
                .doesNotContain("DIFFERENT");
    }
}
