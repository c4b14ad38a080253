package io.tailwater.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a stream's YAML file, substitutes {@code ${ENV_VAR}} (and {@code ${ENV_VAR:-default}}),
 * and validates every key before anything starts. Each problem is a {@link ConfigException}
 * that names the key.
 */
public final class ConfigLoader {
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
    private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,100}");
    private static final Set<String> TOP_KEYS = Set.of("stream", "kafka", "registry", "leader", "followers", "topics", "failover");
    private static final Set<String> FAILOVER_KEYS = Set.of("candidates", "leader-timeout", "min-interval");
    private static final Set<String> REGISTRY_KEYS = Set.of("url", "user", "password", "truststore", "truststore-password", "timeout");
    private static final Set<String> LEADER_KEYS = Set.of("jdbc-url", "user", "password", "tables", "debezium", "synchronous",
            "on-slot-lost", "decoder");
    private static final Set<String> FOLLOWER_KEYS = Set.of("jdbc-url", "user", "password", "max-group-rows", "max-group-delay",
            "dropped-columns", "on-divergence", "column-types");
    private static final Set<String> TOPICS_KEYS = Set.of("replication-factor", "log-retention");

    private final Function<String, String> environment;

    public ConfigLoader() {
        this(System::getenv);
    }

    /** A loader that looks variables up in {@code environment} instead of the process environment. */
    public ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    public StreamConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
        }
        return parse(text);
    }

    public StreamConfig parse(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JacksonException e) {
            throw new ConfigException("", "the file is not valid YAML (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("", "the file must be a YAML mapping with at least 'stream', 'kafka', 'registry' and 'leader'");
        }
        checkKeys(root, "", TOP_KEYS);

        String stream = requiredText(root, "stream");
        if (!STREAM_NAME.matcher(stream).matches()) {
            throw new ConfigException("stream", "'" + stream + "' is not a valid stream name: use letters, digits, '_' and '-'"
                    + " (it becomes part of Kafka topic names)");
        }

        Map<String, String> kafka = flatten(object(root, "kafka", true), "kafka");
        if (!kafka.containsKey("bootstrap.servers")) {
            throw new ConfigException("kafka.bootstrap.servers", "missing; set it to the Kafka brokers, e.g. localhost:9092");
        }

        int replicationFactor = 3;
        Optional<Duration> logRetention = Optional.empty();
        JsonNode topics = object(root, "topics", false);
        if (topics != null) {
            checkKeys(topics, "topics", TOPICS_KEYS);
            replicationFactor = optionalInt(topics, "topics", "replication-factor", 3, 1, 16);
            String retention = optionalText(topics, "topics", "log-retention");
            if (retention != null && !retention.equals("unlimited")) {
                logRetention = Optional.of(optionalDuration(topics, "topics", "log-retention", null));
                if (logRetention.get().compareTo(Duration.ofSeconds(1)) < 0) {
                    throw new ConfigException("topics.log-retention", "must be at least 1s (or 'unlimited', the default)");
                }
            }
        }

        JsonNode registryNode = object(root, "registry", true);
        checkKeys(registryNode, "registry", REGISTRY_KEYS);
        String registryUrl = requiredText(registryNode, "registry", "url");
        if (!registryUrl.startsWith("http://") && !registryUrl.startsWith("https://")) {
            throw new ConfigException("registry.url", "must start with http:// or https://");
        }
        RegistryConfig registry = new RegistryConfig(registryUrl,
                Optional.ofNullable(optionalText(registryNode, "registry", "user")),
                secret(registryNode, "registry", "password"),
                Optional.ofNullable(optionalText(registryNode, "registry", "truststore")),
                secret(registryNode, "registry", "truststore-password"),
                optionalDuration(registryNode, "registry", "timeout", Duration.ofSeconds(30)));

        JsonNode leaderNode = object(root, "leader", true);
        checkKeys(leaderNode, "leader", LEADER_KEYS);
        String leaderUrl = requiredText(leaderNode, "leader", "jdbc-url");
        if (LeaderKind.fromJdbcUrl(leaderUrl).isEmpty()) {
            throw new ConfigException("leader.jdbc-url", "the leader must be PostgreSQL (jdbc:postgresql://host:port/database) or MariaDB"
                    + " (jdbc:mariadb://host:port/database)");
        }
        List<String> tables = new ArrayList<>();
        JsonNode tablesNode = leaderNode.get("tables");
        if (tablesNode == null || !tablesNode.isArray() || tablesNode.isEmpty()) {
            throw new ConfigException("leader.tables", "missing or empty; list the tables to replicate, e.g. [public.customers, public.orders]");
        }
        for (int i = 0; i < tablesNode.size(); i++) {
            JsonNode t = tablesNode.get(i);
            if (!t.isTextual() || t.asText().isBlank()) {
                throw new ConfigException("leader.tables[" + i + "]", "must be a table name or a regular expression");
            }
            String table = substitute(t.asText(), "leader.tables[" + i + "]");
            try {
                Pattern.compile(table);
            } catch (RuntimeException e) {
                throw new ConfigException("leader.tables[" + i + "]", "'" + table + "' is not a valid regular expression: " + e.getMessage());
            }
            tables.add(table);
        }
        LeaderConfig leader = new LeaderConfig(leaderUrl, optionalText(leaderNode, "leader", "user"),
                secret(leaderNode, "leader", "password"), List.copyOf(tables),
                flatten(object(leaderNode, "debezium", false), "leader.debezium"), optionalBoolean(leaderNode, "leader", "synchronous"),
                onSlotLost(leaderNode), StreamingDecoder.TAILWATER);
        String decoderSetting = optionalText(leaderNode, "leader", "decoder");
        String capturing = leader.debezium().keySet().stream().filter(ConfigLoader::changesWhatIsCaptured).findFirst().orElse(null);
        StreamingDecoder decoder = decoder(decoderSetting, leader.kind() == LeaderKind.MARIADB || capturing != null);
        leader = leader.withDecoder(decoder);
        if (decoder == StreamingDecoder.TAILWATER && capturing != null) {
            throw new ConfigException("leader.debezium." + capturing, "changes what Debezium captures, and Tailwater's own pgoutput"
                    + " reader (leader.decoder: tailwater) would not apply it: remove it, or set leader.decoder: debezium");
        }
        if (leader.kind() == LeaderKind.MARIADB) {
            if (leader.synchronous()) {
                throw new ConfigException("leader.synchronous", "is for a PostgreSQL leader only (a synchronous standby); remove it");
            }
            if (decoderSetting != null) {
                throw new ConfigException("leader.decoder", "is for a PostgreSQL leader only (Tailwater's own pgoutput reader);"
                        + " remove it");
            }
            if (object(root, "failover", false) != null) {
                throw new ConfigException("failover", "is for a PostgreSQL leader only: a MariaDB leader's followers cannot be promoted"
                        + " yet; remove the section");
            }
        }

        Map<String, FollowerConfig> followers = new LinkedHashMap<>();
        JsonNode followersNode = object(root, "followers", false);
        if (followersNode != null) {
            Iterator<Map.Entry<String, JsonNode>> it = followersNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                String path = "followers." + name;
                if (!STREAM_NAME.matcher(name).matches()) {
                    throw new ConfigException(path, "'" + name + "' is not a valid follower name: use letters, digits, '_' and '-'");
                }
                JsonNode f = e.getValue();
                if (f == null || !f.isObject()) {
                    throw new ConfigException(path, "must be a mapping with at least 'jdbc-url'");
                }
                checkKeys(f, path, FOLLOWER_KEYS);
                FollowerConfig follower = new FollowerConfig(name, requiredText(f, path, "jdbc-url"),
                        optionalText(f, path, "user"), secret(f, path, "password"),
                        optionalInt(f, path, "max-group-rows", 10_000, 1, 10_000_000),
                        optionalDuration(f, path, "max-group-delay", Duration.ofMillis(100)),
                        droppedColumns(f, path), onDivergence(f, path), columnTypes(f, path, leader));
                follower.kind(); // validates the URL now, not on first use
                followers.put(name, follower);
            }
        }
        return new StreamConfig(stream, kafka, replicationFactor, registry, leader, followers, failover(root, followers), logRetention);
    }

    private FailoverConfig failover(JsonNode root, Map<String, FollowerConfig> followers) {
        JsonNode node = object(root, "failover", false);
        if (node == null) {
            return FailoverConfig.OFF;
        }
        checkKeys(node, "failover", FAILOVER_KEYS);
        JsonNode list = node.get("candidates");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ConfigException("failover.candidates", "missing or empty; list the PostgreSQL followers that may become the leader,"
                    + " e.g. [replica1, replica2]");
        }
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String name = list.get(i).asText();
            FollowerConfig f = followers.get(name);
            if (f == null) {
                throw new ConfigException("failover.candidates[" + i + "]", "no follower named '" + name + "'; the config has "
                        + followers.keySet());
            }
            if (f.kind() != FollowerKind.POSTGRESQL) {
                throw new ConfigException("failover.candidates[" + i + "]", "follower '" + name + "' is not PostgreSQL; only a PostgreSQL"
                        + " follower can become the leader");
            }
            candidates.add(name);
        }
        Duration timeout = optionalDuration(node, "failover", "leader-timeout", Duration.ofSeconds(30));
        Duration minInterval = optionalDuration(node, "failover", "min-interval", Duration.ofMinutes(10));
        if (timeout.isZero() || timeout.isNegative()) {
            throw new ConfigException("failover.leader-timeout", "must be longer than zero");
        }
        return new FailoverConfig(candidates, timeout, minInterval);
    }

    private static void checkKeys(JsonNode node, String path, Set<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ConfigException(join(path, name), "unknown key; expected one of " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static JsonNode object(JsonNode parent, String name, boolean required) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            if (required) {
                throw new ConfigException(name, "missing");
            }
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException(name, "must be a mapping of keys to values");
        }
        return node;
    }

    private Map<String, String> flatten(JsonNode node, String path) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        flattenInto(node, "", path, out);
        return out;
    }

    private void flattenInto(JsonNode node, String prefix, String path, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flattenInto(v, key, path, out);
            } else if (v.isValueNode() && !v.isNull()) {
                out.put(key, substitute(v.asText(), path + "." + key));
            } else {
                throw new ConfigException(path + "." + key, "must be a single value");
            }
        }
    }

    private String requiredText(JsonNode node, String name) {
        return requiredText(node, "", name);
    }

    private String requiredText(JsonNode node, String path, String name) {
        String value = optionalText(node, path, name);
        if (value == null || value.isBlank()) {
            throw new ConfigException(join(path, name), "missing");
        }
        return value;
    }

    private String optionalText(JsonNode node, String path, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw new ConfigException(join(path, name), "must be a single value");
        }
        return substitute(v.asText(), join(path, name));
    }

    private Secret secret(JsonNode node, String path, String name) {
        String value = optionalText(node, path, name);
        return value == null ? Secret.NONE : new Secret(value);
    }

    private static final java.util.regex.Pattern SQL_TYPE = java.util.regex.Pattern.compile(
            "[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*)*( ?\\(\\d+( ?, ?\\d+)?\\))?( ?\\[\\])?");

    /**
     * {@code column-types}: {@code "<schema>.<table>.<column>": <SQL type>}; the table must be one
     * the leader replicates and the type a plain SQL type name (with length, precision and scale).
     */
    private static Map<String, String> columnTypes(JsonNode node, String path, LeaderConfig leader) {
        JsonNode types = node.get("column-types");
        if (types == null || types.isNull()) {
            return Map.of();
        }
        String at = path + ".column-types";
        if (!types.isObject()) {
            throw new ConfigException(at, "must be a mapping of \"<schema>.<table>.<column>\" to a SQL type, e.g."
                    + " \"public.readings.value\": LONGTEXT");
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String[] parts = e.getKey().split("\\.", 3);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
                throw new ConfigException(at, "'" + e.getKey() + "' does not name a column as \"<schema>.<table>.<column>\"");
            }
            String table = parts[0] + "." + parts[1];
            if (leader.tables().stream().noneMatch(t -> table.matches(LeaderConfig.tablePattern(t)))) {
                throw new ConfigException(at, "'" + e.getKey() + "' names table " + table + ", which leader.tables does not replicate");
            }
            String type = e.getValue() == null || !e.getValue().isTextual() ? "" : e.getValue().textValue().strip();
            if (!SQL_TYPE.matcher(type).matches()) {
                throw new ConfigException(at + "." + e.getKey(), "'" + type + "' is not a SQL type name such as LONGTEXT,"
                        + " VARCHAR(100) or DECIMAL(65,30)");
            }
            out.put(e.getKey(), type);
        }
        return out;
    }

    /** {@code decoder: debezium} (the default) or {@code tailwater}. */
    /**
     * {@code leader.decoder}: Tailwater's own pgoutput reader unless set to {@code debezium}, or
     * unless {@code debeziumByDefault} (a MariaDB leader, or Debezium settings that change what is
     * captured, which only Debezium applies) and it is not set.
     */
    private static StreamingDecoder decoder(String v, boolean debeziumByDefault) {
        if (v == null) {
            return debeziumByDefault ? StreamingDecoder.DEBEZIUM : StreamingDecoder.TAILWATER;
        }
        if (v.equals("debezium")) {
            return StreamingDecoder.DEBEZIUM;
        }
        if (v.equals("tailwater")) {
            return StreamingDecoder.TAILWATER;
        }
        throw new ConfigException("leader.decoder", "must be 'tailwater' (Tailwater's own pgoutput reader streams the leader's"
                + " changes, Debezium takes the snapshots) or 'debezium' (Debezium reads them all), not '" + v + "'");
    }

    /** Whether a {@code leader.debezium} key changes which tables, columns or operations are captured. */
    private static boolean changesWhatIsCaptured(String key) {
        return key.startsWith("column.") || key.startsWith("table.") || key.startsWith("schema.") || key.equals("skipped.operations");
    }

    /** {@code on-slot-lost: stop} (the default) or {@code resnapshot}; true for resnapshot. */
    private boolean onSlotLost(JsonNode leader) {
        String v = optionalText(leader, "leader", "on-slot-lost");
        if (v == null || v.equals("stop")) {
            return false;
        }
        if (v.equals("resnapshot")) {
            return true;
        }
        throw new ConfigException("leader.on-slot-lost", "must be 'stop' (capture stops and says why) or 'resnapshot' (followers"
                + " copy the stream's tables again from a new initial snapshot), not '" + v + "'");
    }

    /** {@code on-divergence: report} (the default) or {@code stop}; true for stop. */
    private boolean onDivergence(JsonNode node, String path) {
        String v = optionalText(node, path, "on-divergence");
        if (v == null || v.equals("report")) {
            return false;
        }
        if (v.equals("stop")) {
            return true;
        }
        throw new ConfigException(path + ".on-divergence", "must be 'report' (log it, apply the leader's change) or 'stop', not '" + v + "'");
    }

    /** {@code dropped-columns: keep} (the default) or {@code drop}; true for drop. */
    private boolean droppedColumns(JsonNode node, String path) {
        String v = optionalText(node, path, "dropped-columns");
        if (v == null || v.equals("keep")) {
            return false;
        }
        if (v.equals("drop")) {
            return true;
        }
        throw new ConfigException(path + ".dropped-columns", "must be 'keep' (keep the column, nullable) or 'drop', not '" + v + "'");
    }

    private boolean optionalBoolean(JsonNode node, String path, String name) {
        String v = optionalText(node, path, name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw new ConfigException(join(path, name), "must be true or false, not '" + v + "'");
    }

    private int optionalInt(JsonNode node, String path, String name, int dflt, int min, int max) {
        String text = optionalText(node, path, name);
        if (text == null) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(text.trim());
            if (v < min || v > max) {
                throw new ConfigException(join(path, name), v + " is out of range [" + min + ", " + max + "]");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(join(path, name), "'" + text + "' is not a whole number");
        }
    }

    private Duration optionalDuration(JsonNode node, String path, String name, Duration dflt) {
        String text = optionalText(node, path, name);
        if (text == null) {
            return dflt;
        }
        try {
            return Durations.parse(text);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new ConfigException(join(path, name), "'" + text + "' is not a duration; write e.g. 500ms, 10s, 5m");
        }
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}}; a missing variable without default is an error naming the key. */
    String substitute(String value, String key) {
        Matcher m = ENV.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String var = m.group(1);
            String resolved = environment.apply(var);
            if (resolved == null) {
                if (m.group(2) == null) {
                    throw new ConfigException(key, "environment variable " + var + " is not set");
                }
                resolved = m.group(3);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
