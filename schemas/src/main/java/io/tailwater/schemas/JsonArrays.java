package io.tailwater.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.math.BigDecimal;
import java.util.Collection;

/**
 * The one text form of a leader array value ({@link ColumnType#ARRAY}): a compact JSON array of
 * its elements, nested for arrays of more than one dimension, numbers exact (decimals keep their
 * scale), {@code null} for NULL elements, and NaN or infinite floats as the strings
 * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.
 * The log carries it, followers without arrays store it, and comparisons use it.
 */
public final class JsonArrays {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private JsonArrays() {
    }

    /** The JSON text of the elements (Java numbers, booleans, strings, UUIDs, nulls, or collections of them for inner dimensions). */
    public static String write(Collection<?> elements) {
        try {
            return JSON.writeValueAsString(node(elements));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an array as JSON", e);
        }
    }

    private static ArrayNode node(Collection<?> elements) {
        ArrayNode array = NODES.arrayNode();
        for (Object e : elements) {
            switch (e) {
                case null -> array.addNull();
                case Collection<?> inner -> array.add(node(inner));
                case Boolean b -> array.add(b);
                case Integer i -> array.add(i);
                case Short s -> array.add(s.intValue());
                case Byte b -> array.add(b.intValue());
                case Long l -> array.add(l);
                case BigDecimal d -> array.add(d);
                case Float f -> {
                    if (f.isNaN() || f.isInfinite()) {
                        array.add(f.toString());
                    } else {
                        array.add(f);
                    }
                }
                case Double d -> {
                    if (d.isNaN() || d.isInfinite()) {
                        array.add(d.toString());
                    } else {
                        array.add(d);
                    }
                }
                default -> array.add(e.toString());
            }
        }
        return array;
    }

    /** The elements of a JSON array text, as JSON nodes. */
    public static JsonNode read(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (!node.isArray()) {
                throw new IllegalArgumentException("not a JSON array: " + json);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON array: " + e.getOriginalMessage(), e);
        }
    }

    /** PostgreSQL's array literal for a JSON array text: {@code {1,NULL,"a \"b\""}}, {@code {{1,2},{3,NULL}}}. */
    public static String toPostgresLiteral(String json) {
        return literal(read(json), new StringBuilder()).toString();
    }

    private static StringBuilder literal(JsonNode array, StringBuilder sb) {
        sb.append('{');
        boolean first = true;
        for (JsonNode e : array) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            if (e.isArray()) {
                literal(e, sb);
            } else if (e.isNull()) {
                sb.append("NULL");
            } else if (e.isTextual()) {
                sb.append('"').append(e.textValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            } else if (e.isBigDecimal()) {
                sb.append(e.decimalValue().toPlainString());
            } else {
                sb.append(e.asText());
            }
        }
        return sb.append('}');
    }
}
