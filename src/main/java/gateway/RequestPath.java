package gateway;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The path of a client's request, as pure functions: read from the request target exactly as
 * sent, and reduced to one that cannot leave the service's root before it is appended to a
 * replica's base. Each refusal is an IllegalArgumentException saying why.
 */
final class RequestPath {

    private RequestPath() {}

    /**
     * The raw path of a request target, {@code /PATH[?QUERY]} or an absolute URL (routed by its path),
     * exactly as the client sent it. URI reads {@code //echo/x} as authority "echo" and path "/x",
     * so a target that starts with "//" is put back together from both.
     *
     * @throws IllegalArgumentException for a non-ASCII or control character (HttpServer reads the
     *     request line as ISO-8859-1 and HttpClient would re-encode it as UTF-8), or another form
     */
    static String of(URI target) {
        String raw = target.toString(); // the string the URI was parsed from
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            // printable ASCII only: a space or DEL never reaches here (HttpServer splits the line on spaces)
            if (c < '!' || c > '~') throw new IllegalArgumentException("the request target must be ASCII (percent-encode the rest)");
        }
        if (raw.startsWith("//")) return "//" + Objects.requireNonNullElse(target.getRawAuthority(), "") + target.getRawPath();
        if (raw.startsWith("/") || target.getScheme() != null && target.getRawPath() != null && target.getRawPath().startsWith("/")) {
            return target.getRawPath();
        }
        throw new IllegalArgumentException("the request target must be /PATH or an absolute URL");
    }

    /**
     * Removes dot segments (RFC 3986 §5.2.4), percent-encoded dots included, from a raw path that
     * starts with '/'. {@code %2F} is not a separator (RFC 3986 §2.2) and is kept; but a segment that
     * hides a dot-dot behind {@code %2F} or {@code %5C} is refused, since some replicas decode those
     * before routing.
     *
     * @throws IllegalArgumentException when the path would climb above its root, or hides a dot-dot
     */
    static String removeDotSegments(String rawPath) {
        if (!rawPath.contains(".") && !rawPath.contains("%")) return rawPath; // most paths: nothing to do
        String[] segments = rawPath.substring(1).split("/", -1);
        List<String> kept = new ArrayList<>(segments.length);
        boolean endsInDirectory = false; // "/a/b/.." is "/a/", not "/a"
        for (String segment : segments) {
            String dots = dots(segment);
            endsInDirectory = dots != null;
            if (dots == null) {
                checkNoHiddenDotDot(segment);
                kept.add(segment);
            } else if (dots.equals("..")) {
                if (kept.isEmpty()) throw new IllegalArgumentException("path '" + rawPath + "' climbs above the service's root");
                kept.removeLast();
            }
        }
        String path = "/" + String.join("/", kept);
        return endsInDirectory && !kept.isEmpty() ? path + "/" : path;
    }

    /** "." or ".." when the segment is one in any spelling (%2E, %2e), else null. */
    private static String dots(String segment) {
        if (segment.length() > 6) return null; // "%2e%2e" is the longest spelling
        String decoded = segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
        return decoded.equals(".") || decoded.equals("..") ? decoded : null;
    }

    private static void checkNoHiddenDotDot(String segment) {
        String lower = segment.toLowerCase(Locale.ROOT);
        if (!lower.contains("%2f") && !lower.contains("%5c")) return;
        for (String piece : lower.split("%2f|%5c", -1)) {
            if (piece.replace("%2e", ".").equals("..")) {
                throw new IllegalArgumentException("path segment '" + segment + "' hides a dot-dot behind an encoded slash");
            }
        }
    }
}
