package gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/** Every JSON body the gateway writes itself, errors included, goes through here. */
final class Json {

    /**
     * Configured once here and never changed, so sharing it is safe. Strict on reading: a body
     * with a key twice or anything after its value is refused, not read as "the last key wins" or
     * "the first value wins" (another parser in front of the gateway could read it the other way).
     */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    static void send(Exchange exchange, int status, Object body) throws IOException {
        OutputStream out = start(exchange, status, body);
        if (out != null) out.close();
    }

    /** Sends the headers and the body, flushed; returns the open body stream, or null for HEAD (already closed). */
    private static OutputStream start(Exchange exchange, int status, Object body) throws IOException {
        byte[] bytes = MAPPER.writeValueAsBytes(body);
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

    private static Map<String, Object> errorBody(String message, Map<String, ?> extra) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error", message);
        body.putAll(extra);
        return body;
    }

    static void error(Exchange exchange, int status, String message) throws IOException {
        error(exchange, status, message, Map.of());
    }
}
