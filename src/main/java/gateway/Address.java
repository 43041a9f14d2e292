package gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A replica's base URL in one canonical spelling, so that one replica written two ways is one
 * registry entry: lower-case scheme and host, no default port, no trailing slash. Immutable.
 */
record Address(String url) {

    static final int MAX_LENGTH = 2048;

    /** The rule every accepted address follows, quoted in every rejection. */
    static final String RULE = "expected http(s)://host[:port][/base] or host:port";

    /** Without a scheme only host:port (a bracketed IPv6 literal or a name without ':' '/' '@' '?' '#'), and no base. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:/\\[\\]@?#]+):[0-9]+/?");
    private static final Pattern WITH_SCHEME = Pattern.compile("(?i)https?://.*");

    Address {
        if (!url.equals(normalize(url))) throw new IllegalArgumentException("not a normalised address: " + url);
    }

    /**
     * Accepts {@code http(s)://host[:port][/base]} or {@code host:port} (taken as http), nothing else.
     *
     * @throws IllegalArgumentException saying what is wrong with the value, and the rule
     */
    static Address parse(String raw) {
        return new Address(normalize(raw));
    }

    private static String normalize(String raw) {
        if (raw.isEmpty()) throw invalid("address must not be empty");
        if (raw.length() > MAX_LENGTH) throw invalid("address is longer than " + MAX_LENGTH + " characters");
        if (!raw.chars().allMatch(c -> c >= ' ' && c < 0x7f)) throw invalid("address '" + raw + "' must be ASCII (percent-encode the rest)");
        // Without this, "https:/example.com" read as host "https" and path "/example.com": a silent scheme change.
        if (!raw.contains("://") && !HOST_PORT.matcher(raw).matches()) throw invalid("address '" + raw + "' is not host:port");
        if (raw.contains("://") && !WITH_SCHEME.matcher(raw).matches()) throw invalid("address '" + raw + "' must be http:// or https://");
        String withScheme = raw.contains("://") ? raw : "http://" + raw;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw invalid("address '" + raw + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getHost().isEmpty()) throw invalid("address '" + raw + "' has no valid host");
        if (uri.getRawUserInfo() != null) throw invalid("address '" + raw + "' must not carry user info");
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid("address '" + raw + "' must not have a query or fragment");
        }
        if (uri.getRawAuthority().endsWith(":")) throw invalid("address '" + raw + "' has an empty port");
        int port = uri.getPort();
        if (port == 0 || port > 65_535) throw invalid("address '" + raw + "' has port " + port + ", not 1-65535");
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path;
    }

    private static IllegalArgumentException invalid(String reason) {
        return new IllegalArgumentException(reason + "; " + RULE);
    }

    /** The upstream URI for a client's raw path (starting with '/') and raw query (or null). */
    URI resolve(String rawPath, String rawQuery) {
        return URI.create(rawQuery == null ? url + rawPath : url + rawPath + '?' + rawQuery);
    }

    @Override
    public String toString() {
        return url;
    }
}
