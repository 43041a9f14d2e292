package gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A replica's base URL in one canonical spelling, so that one replica written two ways is one
 * registry entry: lower-case scheme and host, no default port, no trailing slash. Immutable.
 */
record Address(String url) {

    static final int MAX_LENGTH = 2048;

    Address {
        if (!url.equals(normalize(url))) throw new IllegalArgumentException("not a normalised address: " + url);
    }

    /**
     * Accepts {@code http(s)://host[:port][/base]} or {@code host:port} (taken as http).
     *
     * @throws IllegalArgumentException saying what is wrong with the value
     */
    static Address parse(String raw) {
        return new Address(normalize(raw));
    }

    private static String normalize(String raw) {
        if (raw.isEmpty()) throw new IllegalArgumentException("address must not be empty");
        if (raw.length() > MAX_LENGTH) throw new IllegalArgumentException("address is longer than " + MAX_LENGTH + " characters");
        String withScheme = raw.contains("://") ? raw : "http://" + raw;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("address '" + raw + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("address '" + raw + "' must be http:// or https://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("address '" + raw + "' has no valid host");
        }
        if (uri.getRawUserInfo() != null) throw new IllegalArgumentException("address '" + raw + "' must not carry user info");
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("address '" + raw + "' must not have a query or fragment");
        }
        int port = uri.getPort();
        if (port == 0 || port > 65_535) throw new IllegalArgumentException("address '" + raw + "' has port " + port + ", not 1-65535");
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path;
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
