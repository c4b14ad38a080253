package io.tailwater.tests;

import io.tailwater.cli.MetricsServer;
import io.tailwater.demo.ShopWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Capture and applier metrics, with the Kafka clients' and the JVM's, served in Prometheus format. */
@ExtendWith(SharedServices.class)
class MetricsTest {

    @Test
    void prometheusEndpointCountsWhatWasReplicated() throws Exception {
        try (TestStream s = new TestStream("metrics", ShopWorkload.TABLES); MetricsServer metrics = new MetricsServer(0)) {
            ShopWorkload workload = ReplicationEndToEndTest.shop(s, 9, 20);
            s.startCapture(metrics.registry());
            s.startApplier("pg", metrics.registry());
            s.awaitSnapshotComplete(Duration.ofSeconds(60));
            ReplicationEndToEndTest.run(s, workload, 200);
            s.awaitReplicated(workload.writingTransactions(), Duration.ofSeconds(60));

            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + metrics.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(value(body, "tailwater_capture_transactions_total\\{stream=\"metrics\"}")).isEqualTo(workload.writingTransactions().size());
            assertThat(value(body, "tailwater_apply_transactions_total\\{follower=\"pg\",stream=\"metrics\"}"))
                    .isGreaterThanOrEqualTo(workload.writingTransactions().size());
            assertThat(value(body, "tailwater_apply_rows_total\\{follower=\"pg\",stream=\"metrics\"}")).isGreaterThan(200);
            assertThat(body).contains("tailwater_apply_lag_records{", "tailwater_apply_group_duration_seconds_bucket{",
                    "tailwater_capture_kafka_commit_seconds_count{", "kafka_consumer_", "kafka_producer_", "jvm_memory_used_bytes");
        }
    }

    private static double value(String body, String metric) {
        Matcher m = Pattern.compile("(?m)^" + metric + " (\\S+)$").matcher(body);
        assertThat(m.find()).as("metric %s in:%n%s", metric, body.lines().filter(l -> l.startsWith("tailwater")).toList()).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
