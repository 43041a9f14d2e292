package gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/** Every JSON body the gateway writes itself, errors included, goes through here. */
final class Json {

    /** Configured once here and never changed, so sharing it is safe. */
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** {@code {"error": message}} plus any extra fields, with the given status. */
    static void error(HttpExchange exchange, int status, String message, Map<String, ?> extra) throws IOException {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error", message);
        body.putAll(extra);
        send(exchange, status, body);
    }

    static void error(HttpExchange exchange, int status, String message) throws IOException {
        error(exchange, status, message, Map.of());
    }
}
