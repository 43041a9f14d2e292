package gateway;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The checks every request head passes before it is routed, as the first filter, on the thread
 * that read it: it arrived within the header timeout, it ended with its empty line, it names
 * HTTP/1.x and (for 1.1) one Host that is a host and port, its Content-Length is digits, and it
 * fits the header limits. HttpServer lets each of these through. Thread-safe (holds only settings).
 */
final class RequestHead extends Filter {

    private static final Logger LOG = Log.get(RequestHead.class);

    /** Header field lines a request may have, repeated names counted each time (Apache's and Envoy's default). */
    static final int MAX_FIELDS = 100;

    /** What the size limit counts for each field besides its name and value, as the JDK's and HTTP/2's header list size (RFC 9113 §6.5.2). */
    static final int FIELD_OVERHEAD = 32;

    /** HTTP-version (RFC 9112 §2.3): case-sensitive name, one digit each side. */
    private static final Pattern VERSION = Pattern.compile("HTTP/([0-9])\\.[0-9]");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    /**
     * A Host value (RFC 9112 §3.2, RFC 3986 §3.2.2-3): an IP literal in brackets or a reg-name
     * (IPv4 is one), then an optional port. Empty is valid: a target without an authority.
     */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Za-z:.%~_!$&'()*+,;=-]+]|[0-9A-Za-z.%~_!$&'()*+,;=-]*)(:[0-9]*)?");

    /** The package whose internals {@link #endedEarly} reads; the jar's manifest opens it (Add-Opens). */
    static final String OPENS = "jdk.httpserver/sun.net.httpserver";

    private final HeadWatch heads;
    private final int maxBytes;

    RequestHead(HeadWatch heads, int maxBytes) {
        this.heads = heads;
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        // Thrown, these close the connection unanswered: HttpServer drops it when a filter throws.
        if (!heads.arrived()) throw new IOException("the request head came after the header timeout");
        if (endedEarly(exchange)) throw new IOException("the client hung up before the end of the request head");
        JdkExchange checked = new JdkExchange(exchange);
        HttpError refusal = refusal(checked, maxBytes);
        if (refusal == null) {
            chain.doFilter(exchange);
        } else {
            checked.refuse(refusal.status, refusal.getMessage(), Map.of());
        }
    }

    /**
     * Whether the client's connection ended inside the head. HttpServer parses a head cut short by
     * end-of-stream as if it were whole (sun.net.httpserver.Request.headers stops at -1 without
     * complaint) and tells no handler. What it leaves: its socket stream remembers the end it met
     * (Request.ReadStream.available() is then -1), and the BufferedInputStream over it reports
     * that as Integer.MAX_VALUE (its sum overflows). A whole head is parsed without a read past
     * its empty line, so only a cut one meets the end. The stream is not public: it is read
     * through the package jdk.httpserver opens to the gateway (the jar's manifest says
     * Add-Opens; see SOCKET_STREAM). Implementation details, not HttpServer's contract: the test
     * RequestHeadTest.aHeadCutShortByTheClientsHangUpIsNeverForwarded fails if they change.
     */
    private static boolean endedEarly(HttpExchange exchange) throws IOException {
        if (SOCKET_STREAM.isEmpty()) return false;
        InputStream socket;
        try {
            socket = (InputStream) SOCKET_STREAM.get().invokeExact(exchange);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read HttpServer's socket stream", e); // a bug: the handle was checked at start
        }
        int available = socket.available();
        return available < 0 || available == Integer.MAX_VALUE;
    }

    /** Whether {@link #endedEarly} can tell; else a head cut short is forwarded as if whole. */
    static boolean seesHeadsCutShort() {
        return SOCKET_STREAM.isPresent();
    }

    /**
     * (HttpExchange) -> InputStream: HttpServer's buffered stream of the exchange's socket
     * (HttpExchangeImpl.impl.ris), or empty when sun.net.httpserver is not opened to the gateway.
     */
    private static final Optional<MethodHandle> SOCKET_STREAM = socketStream();

    private static Optional<MethodHandle> socketStream() {
        try {
            Class<?> outer = Class.forName("sun.net.httpserver.HttpExchangeImpl");
            Class<?> inner = Class.forName("sun.net.httpserver.ExchangeImpl");
            MethodHandle impl = MethodHandles.privateLookupIn(outer, MethodHandles.lookup()).findGetter(outer, "impl", inner);
            MethodHandle ris = MethodHandles.privateLookupIn(inner, MethodHandles.lookup()).findGetter(inner, "ris", InputStream.class);
            return Optional.of(MethodHandles.filterReturnValue(impl, ris)
                    .asType(MethodType.methodType(InputStream.class, HttpExchange.class)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Why the head is refused, or null when it is not; shared with the servers of other stacks. */
    static HttpError refusal(Exchange exchange, int maxBytes) {
        String protocol = exchange.getProtocol();
        HttpError badVersion = versionRefusal(protocol);
        if (badVersion != null) return badVersion;
        Map<String, List<String>> headers = exchange.getRequestHeaders();
        List<String> host = headers.get("Host");
        if (!protocol.equals("HTTP/1.0") && (host == null || host.size() != 1)) {
            return new HttpError(400, "an HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2)");
        }
        if (host != null && !HOST.matcher(host.getFirst()).matches()) {
            return new HttpError(400, "Host '" + AccessLog.printable(host.getFirst()) + "' is not a host and port (RFC 9112 §3.2)");
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && !DIGITS.matcher(length).matches()) {
            return new HttpError(400, "Content-Length '" + length + "' is not a number of bytes");
        }
        long line = exchange.getRequestMethod().length() + 1 + exchange.getRequestURI().toString().length() + 1 + protocol.length();
        if (line > maxBytes) return new HttpError(414, "the request line is longer than " + maxBytes + " bytes");
        long size = line + FIELD_OVERHEAD;
        int fields = 0;
        for (var header : headers.entrySet()) {
            for (String value : header.getValue()) {
                size += header.getKey().length() + value.length() + FIELD_OVERHEAD;
                fields++;
            }
        }
        if (fields > MAX_FIELDS) return new HttpError(431, "more than " + MAX_FIELDS + " header fields");
        if (size > maxBytes) {
            return new HttpError(431, "the request head is over " + maxBytes + " bytes (" + FIELD_OVERHEAD + " counted per field)");
        }
        return null;
    }

    /**
     * Why a request line's HTTP-version is refused (400 when it is not one, 505 when it is not
     * 1.x), or null for any 1.x: a higher 1.x is served as 1.1 (RFC 9110 §6.2). Shared with the
     * servers of other stacks, which see the version before they make an {@link Exchange}.
     */
    static HttpError versionRefusal(String protocol) {
        if (protocol.equals("HTTP/1.1") || protocol.equals("HTTP/1.0")) return null; // nearly every request: no regex
        var version = VERSION.matcher(protocol);
        if (!version.matches()) return new HttpError(400, "'" + protocol + "' is not an HTTP version");
        if (!version.group(1).equals("1")) return new HttpError(505, protocol + " is not served; HTTP/1.1 is");
        return null;
    }

    @Override
    public String description() {
        return "request head checks: header timeout, whole head, HTTP/1.x, Host, Content-Length, header limits";
    }
}
