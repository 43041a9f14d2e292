package gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which headers cross the gateway, as pure functions over header maps. Header names compare
 * case-insensitively (RFC 9110 §5.1).
 */
final class ForwardHeaders {

    /**
     * Hop-by-hop headers, meaningful for one connection only: never forwarded either way.
     * RFC 9110 §7.6.1 (Connection, and Proxy-Connection/Keep-Alive/TE/Transfer-Encoding/Upgrade),
     * RFC 9110 §11.7.1-2 (Proxy-Authenticate, Proxy-Authorization), RFC 9110 §6.6.2 (Trailer);
     * the same list as Go's httputil.ReverseProxy.
     */
    static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "proxy-connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade");

    /**
     * Headers that java.net.http.HttpClient sets itself and refuses from callers
     * ({@code jdk.httpclient.allowRestrictedHeaders}); Host is passed on as X-Forwarded-Host.
     */
    static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "expect", "connection", "upgrade");

    /** Headers the gateway computes, so a client's own values are replaced, not trusted. */
    static final Set<String> FORWARDING = Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host");

    /** Headers the JDK HttpServer writes itself on the way back. */
    static final Set<String> SET_BY_SERVER = Set.of("content-length", "date");

    private ForwardHeaders() {}

    /**
     * The headers to send upstream, as name/value pairs: the client's end-to-end headers, then
     * X-Forwarded-For (the client's chain with {@code clientIp} appended), X-Forwarded-Proto and
     * X-Forwarded-Host.
     */
    static List<Map.Entry<String, String>> request(Map<String, List<String>> in, String clientIp, String scheme) {
        Set<String> drop = dropped(in);
        List<Map.Entry<String, String>> out = new ArrayList<>(in.size() + 3);
        String forwardedFor = null;
        String host = null;
        for (var header : in.entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("x-forwarded-for")) forwardedFor = String.join(", ", header.getValue());
            if (name.equals("host") && !header.getValue().isEmpty()) host = header.getValue().get(0);
            if (drop.contains(name) || SET_BY_CLIENT.contains(name) || FORWARDING.contains(name)) continue;
            for (String value : header.getValue()) out.add(Map.entry(header.getKey(), value));
        }
        out.add(Map.entry("X-Forwarded-For", forwardedFor == null || forwardedFor.isBlank() ? clientIp : forwardedFor + ", " + clientIp));
        out.add(Map.entry("X-Forwarded-Proto", scheme));
        if (host != null) out.add(Map.entry("X-Forwarded-Host", host));
        return out;
    }

    /** Whether a response header from the replica goes back to the client. */
    static boolean returned(String name, Set<String> dropped) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !dropped.contains(lower) && !SET_BY_SERVER.contains(lower);
    }

    /** Hop-by-hop headers of this message: the fixed list plus every name its Connection header lists. */
    static Set<String> dropped(Map<String, List<String>> headers) {
        Set<String> drop = null;
        for (var header : headers.entrySet()) {
            if (!header.getKey().equalsIgnoreCase("connection")) continue;
            for (String value : header.getValue()) {
                for (String token : value.split(",")) {
                    String t = token.trim().toLowerCase(Locale.ROOT);
                    if (t.isEmpty()) continue;
                    if (drop == null) drop = new TreeSet<>(HOP_BY_HOP);
                    drop.add(t);
                }
            }
        }
        return drop == null ? HOP_BY_HOP : drop;
    }
}
