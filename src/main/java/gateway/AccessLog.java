package gateway;

import java.net.URI;
import java.util.logging.Logger;

/**
 * One line per proxied request through {@link Log}: method, path (without the query, which may
 * carry secrets), service, replica, status, milliseconds, attempts. Off unless {@code --access-log};
 * off, it costs one branch. Control characters are escaped, so no line can be forged. Thread-safe.
 */
final class AccessLog {

    static final AccessLog OFF = new AccessLog(false);

    private static final Logger LOG = Log.get(AccessLog.class);

    private final boolean enabled;

    AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@code status} -1: no status went out (the connection was dropped); {@code service} "": none registered was named. */
    void log(Exchange exchange, Metrics.Request request, int status, long nanos) {
        if (!enabled) return;
        URI target = exchange.getRequestURI();
        String path = target.getRawPath() != null ? target.getRawPath() : target.toString();
        LOG.info(printable(exchange.getRequestMethod()) + " " + printable(path)
                + " service=" + orDash(request.service()) + " replica=" + orDash(request.replica())
                + " status=" + (status < 0 ? "-" : Integer.toString(status)) + " ms=" + nanos / 1_000_000
                + " attempts=" + request.attempts());
    }

    private static String orDash(String value) {
        return value.isEmpty() ? "-" : printable(value);
    }

    /**
     * {@code text} with every character outside printable ASCII, and the backslash, written as
     * {@code \xHH} (beyond Latin-1: backslash, u, four hex digits): one request, one line, whatever its path held.
     */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c >= '!' && c <= '~' && c != '\\';
            if (plain && out == null) continue;
            if (out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
            if (plain) out.append(c);
            else if (c <= 0xff) out.append(String.format("\\x%02x", (int) c));
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out == null ? text : out.toString();
    }
}
