package gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which headers cross the gateway and what it adds (X-Forwarded-*, Via), and when Via says a
 * request is looping; pure functions over header maps. Header names compare case-insensitively
 * (RFC 9110 §5.1).
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
     * Every {@code Proxy-*} header is dropped too, both ways: they are meant for a proxy (HttpClient
     * itself leaves them out of requests to a replica), and one that reaches a client or replica
     * could pass for a proxy's word (e.g. a replica's {@code Proxy-Status}).
     */
    static final String PROXY_PREFIX = "proxy-";

    /**
     * Headers that java.net.http.HttpClient sets itself and refuses from callers
     * ({@code jdk.httpclient.allowRestrictedHeaders}); Host is passed on as X-Forwarded-Host.
     */
    static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "expect", "connection", "upgrade");

    /**
     * Headers the gateway computes from the client's values (see {@link #request}), never passes on
     * as they came. RFC 7239's {@code Forwarded} says what X-Forwarded-* say, and replicas (Spring's
     * ForwardedHeaderFilter, for one) prefer it.
     */
    static final Set<String> FORWARDING = Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "via");

    /**
     * A request that already passed more proxies than this is answered 508: no sane deployment
     * chains ten, and it also ends a loop in which a proxy on the way merged or renamed Via
     * entries (RFC 9110 §7.6.3 allows it), hiding this gateway's id.
     */
    static final int MAX_VIA_HOPS = 10;

    /**
     * What else a proxy tells a replica about the client: every other {@code X-Forwarded-*}
     * (Port, Prefix, Server...) and {@code X-Real-IP}. Passed on from a trusted peer, dropped from
     * any other, as Traefik does: frameworks build links and access rules from them.
     */
    private static final String X_FORWARDED_PREFIX = "x-forwarded-";
    private static final String REAL_IP = "x-real-ip";

    /** The gateway speaks plain HTTP; TLS, if any, ends in a proxy in front of it. */
    static final String SCHEME = "http";

    /**
     * One request's pass through the gateway: the address of the peer that sent it, whether that
     * peer is a trusted proxy (so its X-Forwarded-* headers are believed), the HTTP version it
     * spoke ("1.1") and the gateway's Via id.
     */
    record Hop(String peer, boolean trustedPeer, String protocol, String gatewayId) {}

    /** Headers the JDK HttpServer writes itself on the way back. */
    static final Set<String> SET_BY_SERVER = Set.of("content-length", "date");

    private ForwardHeaders() {}

    /**
     * The headers to send upstream, as name/value pairs: the client's end-to-end headers, then
     * X-Forwarded-For, -Proto and -Host, and Via with this gateway appended (RFC 9110 §7.6.3).
     * From a trusted peer X-Forwarded-For is appended to and -Proto/-Host are kept when present;
     * from any other peer X-Forwarded-For is the peer alone and -Proto/-Host are the gateway's own,
     * so a client cannot make a replica believe another address, scheme or host. {@code Forwarded}
     * likewise: from a trusted peer it gets this hop's {@code for=} appended (RFC 7239 §4), from any
     * other it is dropped; the gateway does not start one (it speaks X-Forwarded-*).
     */
    static List<Map.Entry<String, String>> request(Map<String, List<String>> in, Hop hop) {
        Set<String> drop = dropped(in);
        List<Map.Entry<String, String>> out = new ArrayList<>(in.size() + 4);
        String forwardedFor = null;
        String forwardedProto = null;
        String forwardedHost = null;
        String host = null;
        String via = null;
        String forwarded = null;
        boolean trusted = hop.trustedPeer();
        for (var header : in.entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            switch (name) {
                case "x-forwarded-for" -> forwardedFor = String.join(", ", header.getValue());
                case "x-forwarded-proto" -> forwardedProto = String.join(", ", header.getValue());
                case "x-forwarded-host" -> forwardedHost = String.join(", ", header.getValue());
                case "via" -> via = String.join(", ", header.getValue());
                case "forwarded" -> forwarded = String.join(", ", header.getValue());
                case "host" -> host = header.getValue().isEmpty() ? null : header.getValue().get(0);
                default -> { }
            }
            boolean underscored = name.indexOf('_') >= 0;
            if (notPassedOn(name, drop, trusted) || underscored && notPassedOn(name.replace('_', '-'), drop, trusted)) continue;
            for (String value : header.getValue()) out.add(Map.entry(header.getKey(), value));
        }
        out.add(Map.entry("X-Forwarded-For", trusted && present(forwardedFor) ? forwardedFor + ", " + hop.peer() : hop.peer()));
        out.add(Map.entry("X-Forwarded-Proto", trusted && present(forwardedProto) ? forwardedProto : SCHEME));
        String publicHost = trusted && present(forwardedHost) ? forwardedHost : host;
        if (publicHost != null) out.add(Map.entry("X-Forwarded-Host", publicHost));
        if (trusted && present(forwarded)) out.add(Map.entry("Forwarded", forwarded + ", for=" + forwardedNode(hop.peer())));
        String self = hop.protocol() + " " + hop.gatewayId();
        out.add(Map.entry("Via", present(via) ? via + ", " + self : self));
        return out;
    }

    /**
     * Whether the request header named {@code lower} is dropped or set by the gateway rather than
     * passed on, when it came from a peer that is or is not trusted. {@link #request} also asks it
     * of a name with underscores read as dashes: CGI-style servers (WSGI, Rack, PHP-FPM) read
     * X_Forwarded_For as X-Forwarded-For, so passing it on would let a client spoof what the
     * gateway sets. nginx drops every name with an underscore; this drops only those.
     */
    private static boolean notPassedOn(String lower, Set<String> drop, boolean trustedPeer) {
        return hopByHop(lower, drop) || SET_BY_CLIENT.contains(lower) || FORWARDING.contains(lower)
                || !trustedPeer && (lower.startsWith(X_FORWARDED_PREFIX) || lower.equals(REAL_IP));
    }

    /** An address as a Forwarded node (RFC 7239 §6): an IPv6 one in brackets and quotes. */
    private static String forwardedNode(String address) {
        return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    /**
     * Why a request must not be forwarded, if it must not: its Via names this gateway (it came
     * back: a loop), or it has passed more than {@link #MAX_VIA_HOPS} proxies.
     */
    static Optional<String> loop(Map<String, List<String>> in, String gatewayId) {
        List<String> receivers = viaReceivers(in);
        if (receivers.isEmpty()) return Optional.empty(); // the common case: no Via at all
        if (receivers.stream().anyMatch(gatewayId::equalsIgnoreCase)) {
            return Optional.of("request loop: this request already passed this gateway (" + gatewayId + ")");
        }
        if (receivers.size() > MAX_VIA_HOPS) {
            return Optional.of("request passed " + receivers.size() + " proxies, more than " + MAX_VIA_HOPS
                    + ": probably a loop");
        }
        return Optional.empty();
    }

    /**
     * The received-by field of each Via entry, in order: {@code "1.0 a, 1.1 b (Varnish)"} gives
     * [a, b]; an entry without one gives "" (it is still a hop). A comma splits entries even inside
     * a comment: comments rarely hold one, and parsing them would let a client's unclosed "("
     * swallow the entries appended after it, this gateway's own included, and hide a loop.
     */
    static List<String> viaReceivers(Map<String, List<String>> in) {
        List<String> receivers = null; // made on the first entry: a request without Via allocates no list
        for (var header : in.entrySet()) {
            if (!header.getKey().equalsIgnoreCase("via")) continue;
            for (String value : header.getValue()) {
                for (String entry : value.split(",")) {
                    String[] fields = entry.strip().split("[ \\t]+", 3);
                    if (fields[0].isEmpty()) continue; // RFC 9110 §5.6.1: empty list elements are ignored
                    if (receivers == null) receivers = new ArrayList<>();
                    receivers.add(fields.length > 1 ? fields[1] : "");
                }
            }
        }
        return receivers == null ? List.of() : receivers;
    }

    /**
     * The headers to send back to the client: the replica's end-to-end headers, then Via with this
     * gateway appended to the replica's own (RFC 9110 §7.6.3: a proxy sends Via in each message it
     * forwards, responses too). {@code protocol} is the version the replica answered in ("1.1").
     * Names keep the replica's spelling; values are not checked here ({@link ReplicaAnswer} refuses
     * an answer with CR, LF or NUL in a header before it comes to this).
     */
    static Map<String, List<String>> response(Map<String, List<String>> in, String protocol, String gatewayId) {
        Set<String> drop = dropped(in);
        Map<String, List<String>> out = new LinkedHashMap<>(in.size() + 2);
        String via = null;
        for (var header : in.entrySet()) {
            if (header.getKey().equalsIgnoreCase("via")) {
                String values = String.join(", ", header.getValue());
                via = via == null ? values : via + ", " + values;
            } else if (returned(header.getKey(), drop)) {
                out.put(header.getKey(), header.getValue());
            }
        }
        String self = protocol + " " + gatewayId;
        out.put("Via", List.of(present(via) ? via + ", " + self : self));
        return out;
    }

    /** Whether a response header from the replica goes back to the client as it came. */
    static boolean returned(String name, Set<String> dropped) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !hopByHop(lower, dropped) && !SET_BY_SERVER.contains(lower);
    }

    /** Whether the lower-case {@code name} is hop-by-hop in a message whose {@link #dropped} set is {@code dropped}. */
    static boolean hopByHop(String name, Set<String> dropped) {
        return dropped.contains(name) || name.startsWith(PROXY_PREFIX);
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
