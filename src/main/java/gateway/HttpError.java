package gateway;

import java.util.Map;

/**
 * A request the gateway refuses: the status, the one-line reason, any details the client gets
 * beside it in the JSON body, and any response headers (kept apart: they are not body fields).
 */
final class HttpError extends RuntimeException {

    final int status;
    final Map<String, ?> details;
    final Map<String, String> headers;

    HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    HttpError(int status, String message, Map<String, ?> details) {
        this(status, message, details, Map.of());
    }

    private HttpError(int status, String message, Map<String, ?> details, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.details = details;
        this.headers = headers;
    }

    /** 401, with the scheme the client must use in WWW-Authenticate (RFC 9110 §11.6.1). */
    static HttpError unauthorized(String message, String challenge) {
        return new HttpError(401, message, Map.of(), Map.of("WWW-Authenticate", challenge));
    }

    /** 405, with the methods that would have worked in the Allow header (RFC 9110 §15.5.6). */
    static HttpError methodNotAllowed(String method, String path, String allow) {
        return new HttpError(405, method + " is not allowed on " + path + " (allowed: " + allow + ")", Map.of(), Map.of("Allow", allow));
    }
}
