package io.tailwater.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tailwater.config.ConfigException;
import io.tailwater.config.RegistryConfig;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client for the Confluent Schema Registry REST protocol (also served by Apicurio's
 * {@code ccompat} API): register, look up and fetch schemas by id, with caching, basic auth and
 * TLS. Calls that fail to connect, or get a 5xx, are retried with backoff until the configured
 * timeout; 4xx answers fail at once.
 */
public final class SchemaRegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final String authorization;
    private final Duration timeout;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public SchemaRegistryClient(RegistryConfig config) {
        this.baseUrl = config.url().endsWith("/") ? config.url().substring(0, config.url().length() - 1) : config.url();
        this.timeout = config.timeout();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (config.truststore().isPresent()) {
            builder.sslContext(sslContext(Path.of(config.truststore().get()), config.truststorePassword().value()));
        } else if (baseUrl.regionMatches(true, 0, "http://", 0, 7)) {
            builder.sslContext(plainHttp()); // else the client loads the JDK's trust store, a tenth of a second of start-up
        }
        this.http = builder.build();
        this.authorization = config.user().map(u -> "Basic " + Base64.getEncoder().encodeToString(
                (u + ":" + (config.password().isPresent() ? config.password().value() : "")).getBytes(StandardCharsets.UTF_8))).orElse(null);
    }

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", body,
                "register the schema of " + schema.getFullName() + " under subject '" + subject + "'");
        int id = answer.get("id").asInt();
        ids.put(schema, id);
        byId.putIfAbsent(id, schema);
        return id;
    }

    /** The schema with this global id; fetched once, then cached. */
    public Schema byId(int id) {
        Schema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        JsonNode type = answer.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw new RegistryException("schema id " + id + " is a " + type.asText() + " schema, not Avro", 200, null);
        }
        Schema schema = new Schema.Parser().setValidateDefaults(false).parse(answer.get("schema").asText());
        byId.put(id, schema);
        return schema;
    }

    /** Whether the registry answers at all; used by start-up checks. */
    public void checkReachable() {
        call("GET", "/subjects", null, "list subjects");
    }

    private JsonNode call(String method, String path, String body, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoff = 100;
        while (true) {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                req.header("Authorization", authorization);
            }
            if (body != null) {
                req.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            }
            int status = -1;
            Exception failure;
            try {
                HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                status = res.statusCode();
                if (status / 100 == 2) {
                    return JSON.readTree(res.body());
                }
                String detail = errorMessage(res.body());
                if (status / 100 == 4) {
                    throw new RegistryException("schema registry at " + baseUrl + " refused to " + what + ": HTTP " + status
                            + (detail.isEmpty() ? "" : " " + detail)
                            + (status == 401 || status == 403 ? " (check registry.user and registry.password)" : "")
                            + (status == 409 ? " (the new schema is not compatible with the subject's earlier versions)" : ""),
                            status, null);
                }
                failure = new IOException("HTTP " + status + " " + detail);
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while trying to " + what, -1, e);
            }
            if (System.nanoTime() + backoff * 1_000_000 > deadline) {
                throw new RegistryException("schema registry at " + baseUrl + " did not let us " + what + " within "
                        + timeout.toSeconds() + "s (registry.timeout): " + failure, status, failure);
            }
            LOG.debug("Registry call failed, retrying in {} ms: {}", backoff, failure.toString());
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException("interrupted while trying to " + what, -1, e);
            }
            backoff = Math.min(backoff * 2, 2000);
        }
    }

    private static String errorMessage(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n.has("message") ? n.get("message").asText() : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static SSLContext sslContext(Path truststore, String password) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new ConfigException("registry.truststore", "cannot load truststore " + truststore + ": " + e.getMessage());
        }
    }

    /**
     * The TLS context of a client that only speaks plain HTTP (an {@code http://} URL; the client
     * follows no redirects): it trusts nothing, so it loads no trust store.
     */
    private static SSLContext plainHttp() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[0], new TrustManager[0], null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS implementation: " + e.getMessage(), e);
        }
    }
}
