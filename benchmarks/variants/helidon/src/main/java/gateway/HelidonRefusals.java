package gateway;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.util.Map;

/**
 * Helidon's own answers to a request it refuses before any handler sees it (a head it cannot
 * parse, a Host it rejects, ambiguous framing), in the gateway's JSON error form, and on a
 * connection that is then closed. Helidon calls a head it failed to parse an internal error
 * (500); the client's mistake is answered 400 here. Stateless; thread-safe.
 */
final class HelidonRefusals implements DirectHandler {

    private HelidonRefusals() {}

    /** This handler for every kind of event. */
    static DirectHandlers all() {
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        HelidonRefusals refusals = new HelidonRefusals();
        for (EventType type : EventType.values()) handlers.addHandler(type, refusals);
        return handlers.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        Status status = defaultStatus.code() == 500 ? Status.BAD_REQUEST_400 : defaultStatus;
        String reason = message == null || message.isBlank() ? "the request could not be read" : message;
        byte[] body = Json.write(Map.of("error", "refused: " + reason));
        return TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(false)
                .entity(body)
                .build();
    }
}
