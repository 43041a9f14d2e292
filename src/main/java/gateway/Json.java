package gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every JSON body the gateway reads or writes, errors included, goes through here, on Jackson's
 * streaming parser and generator. The gateway's JSON is a handful of small maps, lists and records,
 * so it needs no object mapper: leaving jackson-databind out spares every start ~100 ms of CPU
 * (its static initialisation loads the JDK's locale data) and the jar 1.7 MB. Stateless.
 */
final class Json {

    /**
     * Strict on reading: a body with a key twice or anything after its value is refused, not
     * read as "the last key wins" or "the first value wins" (another parser in front of the
     * gateway could read it the other way).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {}

    /**
     * The value {@code bytes} hold: a {@code Map<String, Object>} (in the body's order), a
     * {@code List<Object>}, a {@code String}, a {@code Number}, a {@code Boolean} or null.
     *
     * @throws JsonProcessingException when it is not one JSON value, with nothing after it
     */
    static Object read(byte[] bytes) throws IOException {
        try (JsonParser parser = FACTORY.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            if (first == null) throw new JsonParseException(parser, "no JSON value");
            Object value = value(parser, first);
            JsonToken after = parser.nextToken();
            if (after != null) {
                throw new JsonParseException(parser, "Trailing token (" + after + ") after the JSON value");
            }
            return value;
        }
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    String name = parser.currentName();
                    object.put(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    array.add(value(parser, t));
                }
                yield array;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new JsonParseException(parser, "unexpected " + token);
        };
    }

    /**
     * {@code value} as JSON: maps as objects, collections as arrays, records as objects of their
     * components in declaration order, leaving out null components (a count the gateway does not
     * know, e.g. while the store is down); strings, numbers, booleans and null as themselves.
     */
    static byte[] write(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
            write(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen
        }
        return bytes.toByteArray();
    }

    private static void write(JsonGenerator out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case String s -> out.writeString(s);
            case Integer i -> out.writeNumber(i);
            case Long l -> out.writeNumber(l);
            case Number n -> out.writeNumber(n.toString());
            case Boolean b -> out.writeBoolean(b);
            case Map<?, ?> map -> {
                out.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.writeFieldName(String.valueOf(e.getKey()));
                    write(out, e.getValue());
                }
                out.writeEndObject();
            }
            case Collection<?> list -> {
                out.writeStartArray();
                for (Object item : list) write(out, item);
                out.writeEndArray();
            }
            case Record record -> {
                out.writeStartObject();
                for (RecordComponent c : record.getClass().getRecordComponents()) {
                    Object component = component(c, record);
                    if (component == null) continue;
                    out.writeFieldName(c.getName());
                    write(out, component);
                }
                out.writeEndObject();
            }
            default -> out.writeString(value.toString());
        }
    }

    private static Object component(RecordComponent c, Record record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c, e); // the gateway's own records: cannot happen
        }
    }

    static void send(Exchange exchange, int status, Object body) throws IOException {
        OutputStream out = start(exchange, status, body);
        if (out != null) out.close();
    }

    /** Sends the headers and the body, flushed; returns the open body stream, or null for HEAD (already closed). */
    private static OutputStream start(Exchange exchange, int status, Object body) throws IOException {
        byte[] bytes = write(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (head) return null;
        OutputStream out = exchange.getResponseBody();
        out.write(bytes);
        out.flush();
        return out;
    }

    /**
     * As {@link #error(Exchange, int, String)}, but the body stream is left open (the answer
     * is out, flushed) for the caller to close: closing it reads the rest of the request body,
     * which must not be waited for when the client has stalled (see ClientStream).
     */
    static OutputStream errorUnclosed(Exchange exchange, int status, String message, Map<String, ?> extra)
            throws IOException {
        return start(exchange, status, errorBody(message, extra));
    }

    /** {@code {"error": message}} plus any extra fields, with the given status. */
    static void error(Exchange exchange, int status, String message, Map<String, ?> extra) throws IOException {
        send(exchange, status, errorBody(message, extra));
    }

    /**
     * {@code {"error": message}} as bytes, for a server that answers a head it refused before
     * there is an {@link Exchange} to answer on (the Helidon and Vert.x adapters).
     */
    static byte[] errorBytes(String message) {
        return write(errorBody(message, Map.of()));
    }

    /** {@code {"error": message}} plus any extra fields. */
    private static Map<String, Object> errorBody(String message, Map<String, ?> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.putAll(extra);
        return body;
    }

    static void error(Exchange exchange, int status, String message) throws IOException {
        error(exchange, status, message, Map.of());
    }
}
