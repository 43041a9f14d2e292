package gateway;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Forwards one client request to one of a service's replicas and streams the answer back.
 *
 * <pre>
 *  request ─► snapshot.get(service) ─► read the body (kept for retry if the budget allows)
 *                                        │ deadline starts; start = round-robin pick
 *        ┌──────────── attempt replica (start + i) ◄─────────────┐
 *        ▼                                                       │
 *     Outcome ─► the client's fault? ── yes ─► not reported; 408, or dropped if it hung up
 *        │ no                                                    │
 *        ▼                                                       │
 *     Breaker.report (count / reset / evict)                     │
 *        │                                                       │
 *        ├─ SUCCESS ─────────► relay status, headers, body ─► done
 *        └─ failure ─► retryable(method) &amp;&amp; body replayable      │
 *                      &amp;&amp; replicas left &amp;&amp; time left ──── yes ──┘
 *                                  │ no
 *                                  ▼
 *                    502 naming the attempts (504 past the deadline)
 * </pre>
 *
 * Thread-safe: all per-request state lives on the request's own thread.
 */
final class Proxy {

    /** Bodies up to this size are kept in memory so that a retry can resend them. */
    static final int KEEP_FOR_RETRY = 1 << 20;

    /** Response bodies of a known length up to this size are read whole before relaying; others stream. */
    static final int READ_WHOLE = HttpClientUpstream.READ_WHOLE;

    private static final Logger LOG = Log.get(Proxy.class);

    /** The version in the Via this gateway appends to answers: its client speaks HTTP/1.1 only (see Gateway). */
    private static final String VIA_VERSION = "1.1";

    private final Registry registry;
    private final Breaker breaker;
    private final Upstream upstream;
    private final long timeoutNanos;
    private final RetryBudget budget;
    private final BodyWatch watch;
    private final String gatewayId;
    private final List<Cidr> trustedProxies;
    private final Clock clock;

    Proxy(Registry registry, Breaker breaker, Upstream upstream, Duration requestTimeout, RetryBudget budget, BodyWatch watch,
          String gatewayId, List<Cidr> trustedProxies, Clock clock) {
        this.registry = registry;
        this.breaker = breaker;
        this.upstream = upstream;
        this.timeoutNanos = requestTimeout.toNanos();
        this.budget = budget;
        this.watch = watch;
        this.gatewayId = gatewayId;
        this.trustedProxies = trustedProxies;
        this.clock = clock;
    }

    /**
     * Forwards {@code /SERVICE/rest?query} to {@code REPLICA/rest?query}; a request whose Via
     * shows it has passed this gateway before, or too many proxies, gets 508 instead.
     */
    void forward(Exchange exchange, String service, String rawRest, Metrics.Request trace) throws IOException {
        Optional<String> loop = ForwardHeaders.loop(exchange.getRequestHeaders(), gatewayId);
        if (loop.isPresent()) throw new HttpError(508, loop.get());
        Replicas replicas = registry.snapshot().get(service);
        if (replicas == null) throw new HttpError(503, "no replica registered for service '" + service + "'");
        trace.routed(service);
        RequestBody body = RequestBody.read(exchange, KEEP_FOR_RETRY, budget, watch);
        try {
            tryReplicas(exchange, service, rawRest, replicas, body, trace);
        } finally {
            body.end(); // throws (dropping what was in flight) only when the client timeout's 408 went out instead
        }
    }

    private void tryReplicas(Exchange exchange, String service, String rawRest, Replicas replicas, RequestBody body,
                             Metrics.Request trace) throws IOException {
        String method = exchange.getRequestMethod();
        Upstream.Request request = new Upstream.Request(method, rawRest, exchange.getRequestURI().getRawQuery(),
                ForwardHeaders.request(exchange.getRequestHeaders(), hop(exchange)), body);

        // The deadline covers the attempts only: a client's wait for its own body is BodyWatch's.
        long deadline = clock.nanoTime() + timeoutNanos;
        int start = replicas.start();
        List<Map<String, String>> failed = null; // made on the first failure: a healthy request allocates no list
        for (int i = 0; i < replicas.size(); i++) {
            long left = deadline - clock.nanoTime();
            if (i > 0 && (left <= 0 || !body.replayable())) break; // the first attempt is always made
            Address replica = replicas.get(start, i);
            Upstream.Answer response = null;
            Outcome outcome;
            try {
                response = upstream.send(request, replica, Math.max(left, 1));
                outcome = Outcome.of(response.status());
            } catch (IOException e) {
                outcome = Outcome.of(e);
                if (outcome == Outcome.BAD_RESPONSE) malformed(replica, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HttpError(503, "the gateway is shutting down");
            }
            // The replica is blamed only for its own failures: not for a client that failed while
            // its body went upstream, nor for a deadline that passed while the body was still arriving.
            boolean clientFailed = outcome.failure && body.clientFailed();
            if (clientFailed || (outcome == Outcome.TIMED_OUT && body.stillArriving())) {
                if (response != null) response.body().close();
                if (clientFailed) throw new ClientStream.Gone("the client failed while its body went to " + replica, null);
                throw new HttpError(408, "the request body was still arriving when the "
                        + Duration.ofNanos(timeoutNanos).toMillis() + " ms deadline passed");
            }
            breaker.report(service, replica, outcome);
            trace.attempted(replica, outcome);
            if (outcome == Outcome.SUCCESS) {
                body.answer(); // a replica may answer before the body is read, which may then time out
                relay(exchange, response, gatewayId);
                return;
            }
            if (response != null) response.body().close(); // frees the upstream connection
            if (failed == null) failed = new ArrayList<>(replicas.size());
            failed.add(attempt(replica, outcome, response));
            if (!outcome.retryable(method)) break;
        }
        if (failed == null) failed = List.of(); // unreachable (the loop always tries once); keeps Map.of safe
        if (deadline - clock.nanoTime() <= 0) {
            throw new HttpError(504, "service '" + service + "' did not answer within "
                    + Duration.ofNanos(timeoutNanos).toMillis() + " ms", Map.of("attempts", failed));
        }
        throw new HttpError(502, "every attempted replica of service '" + service + "' failed", Map.of("attempts", failed));
    }

    /** Who sent this request, whether its X-Forwarded-* headers are believed, and how this gateway signs Via. */
    private ForwardHeaders.Hop hop(Exchange exchange) {
        InetAddress peer = exchange.getRemoteAddress().getAddress();
        boolean trusted = false;
        for (int i = 0; i < trustedProxies.size() && !trusted; i++) trusted = trustedProxies.get(i).contains(peer);
        String protocol = exchange.getProtocol(); // "HTTP/1.1"; Via carries the version alone
        return new ForwardHeaders.Hop(peer.getHostAddress(), trusted, protocol.substring(protocol.indexOf('/') + 1), gatewayId);
    }

    /**
     * One line per answer refused as malformed. The reason may quote the replica's bytes (the JDK's
     * messages do): at most 200 characters of it, anything outside printable ASCII as '?'.
     */
    private static void malformed(Address replica, String reason) {
        String text = String.valueOf(reason); // an exception's message may be null
        StringBuilder line = new StringBuilder(replica + " sent a malformed answer: ");
        for (int i = 0; i < Math.min(text.length(), 200); i++) {
            char c = text.charAt(i);
            line.append(c >= ' ' && c <= '~' ? c : '?');
        }
        LOG.warning(line.toString());
    }

    private static Map<String, String> attempt(Address replica, Outcome outcome, Upstream.Answer response) {
        Map<String, String> attempt = new LinkedHashMap<>();
        attempt.put("address", replica.url());
        attempt.put("outcome", outcome.name());
        if (response != null) attempt.put("status", Integer.toString(response.status()));
        return attempt;
    }

    /** Copies the replica's answer to the client, streaming the body. */
    private static void relay(Exchange exchange, Upstream.Answer response, String gatewayId) throws IOException {
        try (InputStream upstream = response.body()) {
            Headers out = exchange.getResponseHeaders();
            out.putAll(ForwardHeaders.response(response.headers(), VIA_VERSION, gatewayId));
            int status = response.status();
            long length = response.length();
            if (exchange.getRequestMethod().equals("HEAD")) {
                // HttpServer writes no Content-Length for HEAD; the replica's value is the truthful one.
                if (length >= 0) out.set("Content-Length", Long.toString(length));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            if (status == 204 || status == 304 || length == 0) {
                exchange.sendResponseHeaders(status, -1); // -1: no body; 0 would mean chunked
                return;
            }
            exchange.sendResponseHeaders(status, Math.max(length, 0));
            OutputStream client = exchange.getResponseBody();
            try {
                upstream.transferTo(client);
                client.close();
            } catch (IOException e) {
                throw new AbortedResponse(e);
            }
        }
    }

    /**
     * The body broke off after the status line was sent. Closing the exchange would end a chunked
     * body cleanly, and the client would take a truncated body for a whole one; instead this
     * escapes to the server, which then drops the connection. That is the JDK's implementation
     * (sun.net.httpserver.ServerImpl.Exchange closes the connection when a handler throws before
     * its response is written out), not HttpServer's documented contract; the test
     * ProxyIntegrationTest.aBodyThatBreaksOffMidStreamIsNotPassedOffAsComplete fails if it changes.
     */
    static final class AbortedResponse extends RuntimeException {
        AbortedResponse(IOException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
