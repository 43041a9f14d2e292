package gateway;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Where a Redis is and how to log in: {@code redis://[user:password@]host[:port][/db]}, or
 * {@code rediss://} for TLS. Always valid once built; its {@link #toString()} and every message
 * it makes hide the password. Immutable.
 */
record RedisUrl(boolean tls, String host, int port, String user, String password, int database) {

    static final int DEFAULT_PORT = 6379;
    static final int DEFAULT_DATABASE = 0;
    private static final String FORM = "expected redis://[user:password@]host[:port][/db] or rediss://...";

    RedisUrl {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("redis host is missing");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("redis port " + port + " is not in 1..65535");
        if (database < 0) throw new IllegalArgumentException("redis database " + database + " is negative");
        if (user != null && password == null) throw new IllegalArgumentException("redis user '" + user + "' has no password");
    }

    /** Parses {@code url}; the exception names the value (password hidden) and what is wrong with it. */
    static RedisUrl parse(String url) {
        if (url == null) throw new IllegalArgumentException("redis url is missing; " + FORM);
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) throw invalid(url, FORM);
        boolean tls = switch (url.substring(0, schemeEnd).toLowerCase(Locale.ROOT)) {
            case "redis" -> false;
            case "rediss" -> true;
            default -> throw invalid(url, "scheme must be redis or rediss");
        };
        String rest = url.substring(schemeEnd + 3);

        // Credentials end at the last '@': host, port and db never hold one, a password may.
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) throw invalid(url, "credentials must be user:password or :password");
            user = colon == 0 ? null : decode(url, userInfo.substring(0, colon));
            password = decode(url, userInfo.substring(colon + 1));
            if (password.isEmpty()) throw invalid(url, "password is empty");
        }
        if (rest.contains("?") || rest.contains("#")) throw invalid(url, "query and fragment are not supported");
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);

        String host;
        String portText;
        if (authority.startsWith("[")) { // IPv6 literal: [::1]:6379
            int close = authority.indexOf(']');
            if (close < 0) throw invalid(url, "IPv6 host has no closing ']'");
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) throw invalid(url, "expected ':port' after the IPv6 host");
            portText = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) throw invalid(url, "host is missing");
        int port = portText == null ? DEFAULT_PORT : number(url, portText, "port");
        if (port < 1 || port > 65535) throw invalid(url, "port must be in 1..65535");
        int database = path.isEmpty() ? DEFAULT_DATABASE : number(url, path, "database");
        return new RedisUrl(tls, host, port, user, password, database);
    }

    /** {@code host:port} as people write it, for messages. */
    String authority() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        String login = password == null ? "" : (user == null ? "" : user) + ":***@";
        return (tls ? "rediss" : "redis") + "://" + login + authority() + "/" + database;
    }

    private static int number(String url, String text, String what) {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(url, what + " '" + text + "' is not a number");
        }
        if (text.length() > 9) throw invalid(url, what + " '" + text + "' is too large");
        return Integer.parseInt(text);
    }

    /** Percent-decodes user info; '+' stays a plus (URLDecoder would make it a space). */
    private static String decode(String url, String text) {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) { // its message quotes the text, which may be the password
            throw invalid(url, "credentials have a bad %-escape");
        }
    }

    private static IllegalArgumentException invalid(String url, String problem) {
        return new IllegalArgumentException("redis url '" + redact(url) + "' is invalid: " + problem);
    }

    /** The url with everything before its last '@' hidden, even when it does not parse. */
    static String redact(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) return url;
        int start = url.indexOf("://");
        int from = start < 0 || start > at ? 0 : start + 3;
        return url.substring(0, from) + "***@" + url.substring(at + 1);
    }
}
