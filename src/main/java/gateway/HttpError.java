package gateway;

import java.util.Map;

/** A request the gateway refuses: the status, the one-line reason and any details the client gets. */
final class HttpError extends RuntimeException {

    final int status;
    final Map<String, ?> details;

    HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    HttpError(int status, String message, Map<String, ?> details) {
        super(message, null, false, false);
        this.status = status;
        this.details = details;
    }

    /** 405, with the methods that would have worked (sent as the Allow header). */
    static HttpError methodNotAllowed(String method, String path, String allow) {
        return new HttpError(405, method + " is not allowed on " + path + " (allowed: " + allow + ")", Map.of("allow", allow));
    }
}
