package gateway;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Helidon's own answers to a request it refuses before any handler sees it (a head it cannot
 * parse, a Host it rejects, ambiguous framing, a version other than HTTP/1.1), in the gateway's
 * JSON error form, and on a connection that is then closed; Helidon calls a head it failed to
 * parse an internal error (500), and the client's mistake is answered 400 here. A version is refused as
 * {@link RequestHead#versionRefusal} says (400 or 505), and any version but 1.1 with 505: Helidon
 * reads HTTP/1.1 alone. A head Helidon could not read to its end (the client hung up inside it)
 * closes the connection unanswered, as on HttpServer. Holds no state of its own; thread-safe.
 */
final class HelidonRefusals implements DirectHandler {

    private final HelidonConnections connections;

    private HelidonRefusals(HelidonConnections connections) {
        this.connections = connections;
    }

    /** This handler for every kind of event, on the connections of {@code connections}. */
    static DirectHandlers all(HelidonConnections connections) {
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        HelidonRefusals refusals = new HelidonRefusals(connections);
        for (EventType type : EventType.values()) handlers.addHandler(type, refusals);
        return handlers.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        if (eventType == EventType.INTERNAL_ERROR && connections.inputEnded()) {
            // a head that ended before its empty line: thrown, this ends the connection loop and
            // closes the socket unanswered
            throw new CloseConnectionException("the client hung up before the end of the request head");
        }
        HttpError version = versionRefusal(request.protocolVersion());
        // Helidon calls a head it failed to parse (an invalid method token) an internal error; the client's mistake is a 400
        Status status = version != null ? Status.create(version.status)
                : defaultStatus.code() == 500 ? Status.BAD_REQUEST_400 : defaultStatus;
        String reason = version != null ? version.getMessage()
                : "refused: " + (message == null || message.isBlank() ? "the request could not be read" : message);
        byte[] body = Json.errorBytes(reason);
        return TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(false)
                .entity(body)
                .build();
    }

    /**
     * Why the version Helidon saw is refused, or null when it is HTTP/1.1 or unknown (a head
     * refused for another reason). Helidon 4.5 names a version it cannot read as the whole
     * request line and a "/" after it, so the last word is taken, without that "/".
     */
    static HttpError versionRefusal(String seen) {
        if (seen == null || seen.isBlank() || seen.equals("HTTP/1.1")) return null;
        String version = seen.substring(seen.lastIndexOf(' ') + 1);
        if (version.endsWith("/")) version = version.substring(0, version.length() - 1);
        HttpError refusal = RequestHead.versionRefusal(version);
        return refusal != null ? refusal : new HttpError(505, version + " is not served on this stack; HTTP/1.1 is (Helidon's server reads no other)");
    }
}
