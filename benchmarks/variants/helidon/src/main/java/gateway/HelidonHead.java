package gateway;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gateway's own checks of a request head, as {@link RequestHead} makes them on the default
 * stack: one Host, a Content-Length of digits, at most {@link RequestHead#MAX_FIELDS} fields and
 * --max-header-bytes (414 for the request line, 431 for the head; {@link RequestHead#FIELD_OVERHEAD}
 * counted per field). Helidon serves HTTP/1.1 only and checks the Host itself, with answers of its
 * own; this class gives the same answers in JSON for what gets past it. Pure functions; thread-safe.
 */
final class HelidonHead {

    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private HelidonHead() {}

    /** Why the head is refused, or null when it is not. */
    static HttpError refusal(Exchange exchange, int maxBytes) {
        Map<String, List<String>> headers = exchange.getRequestHeaders();
        List<String> host = headers.get("Host");
        if (host == null || host.size() != 1) {
            return new HttpError(400, "an HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2)");
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && !DIGITS.matcher(length).matches()) {
            return new HttpError(400, "Content-Length '" + length + "' is not a number of bytes");
        }
        long line = exchange.getRequestMethod().length() + 1 + exchange.getRequestURI().toString().length() + 1
                + exchange.getProtocol().length();
        if (line > maxBytes) return new HttpError(414, "the request line is longer than " + maxBytes + " bytes");
        long size = line + RequestHead.FIELD_OVERHEAD;
        int fields = 0;
        for (var header : headers.entrySet()) {
            for (String value : header.getValue()) {
                size += header.getKey().length() + value.length() + RequestHead.FIELD_OVERHEAD;
                fields++;
            }
        }
        if (fields > RequestHead.MAX_FIELDS) return new HttpError(431, "more than " + RequestHead.MAX_FIELDS + " header fields");
        if (size > maxBytes) {
            return new HttpError(431, "the request head is over " + maxBytes + " bytes (" + RequestHead.FIELD_OVERHEAD
                    + " counted per field)");
        }
        return null;
    }
}
