package gateway;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The one handler: sends the gateway's own paths to {@link Api} and everything else to
 * {@link Proxy}, and is the single place where errors become statuses. No exception reaches a
 * client as a stack trace; one that escapes {@link #handle} tells the server to drop the
 * connection (every {@link Stack}'s server does). Thread-safe.
 */
final class Router {

    private static final Logger LOG = Log.get(Router.class);

    /** A method is a token (RFC 9110 §9.1, §5.6.2); HttpClient refuses anything else with an exception. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final Api api;
    private final Proxy proxy;
    private final Metrics metrics;

    Router(Api api, Proxy proxy, Metrics metrics) {
        this.api = api;
        this.proxy = proxy;
        this.metrics = metrics;
    }

    /** Answers one request; an exception thrown means the answer broke off and the connection must be dropped. */
    void handle(Exchange exchange) throws IOException {
        Metrics.Request request = metrics.start();
        boolean aborted = false;
        try {
            route(exchange, request);
        } catch (Proxy.AbortedResponse e) {
            LOG.fine("response broke off: " + e.getMessage());
            aborted = true;
            throw e; // see AbortedResponse: the server must drop this connection, not close the body
        } catch (HttpError e) {
            e.headers.forEach(exchange.getResponseHeaders()::set);
            reply(exchange, e.status, e.getMessage(), e);
        } catch (Store.Unavailable e) {
            LOG.warning("store unavailable: " + e.getMessage());
            reply(exchange, 503, "the registry store is unavailable: " + e.getMessage(), null);
        } catch (ClientStream.Gone e) {
            LOG.fine("client's request body failed: " + e.getMessage());
            if (!e.answered) {
                // unreadable (a chunked trailer, a bad chunk) or cut short: the JDK's stream cannot read on past it
                exchange.refuse(400, "the request body could not be read: " + e.getMessage(), Map.of());
                return;
            }
            aborted = true;
            throw e;
        } catch (IOException e) {
            LOG.fine("client connection failed: " + e.getMessage()); // nothing can be sent to it
            aborted = true;
            throw e; // the server then drops the connection and forgets it (closing the exchange would not)
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "bug: unexpected error on " + exchange.getRequestURI(), e);
            reply(exchange, 500, "internal error", null);
        } finally {
            metrics.end(request, exchange); // before close, which may wait on a client that stalls: not the request's time
            if (!aborted) exchange.close();
        }
    }

    private void route(Exchange exchange, Metrics.Request request) throws IOException {
        String method = exchange.getRequestMethod();
        if (!TOKEN.matcher(method).matches()) throw new HttpError(400, "method '" + method + "' is not a valid token");
        // HttpClient refuses to send it, and a tunnel is not a proxied request
        if (method.equals("CONNECT")) throw new HttpError(501, "CONNECT is not forwarded");
        String path;
        try {
            path = RequestPath.of(exchange.getRequestURI());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        }
        if (Registration.RESERVED.contains(path.substring(1))) request.own(); // exactly the paths below
        switch (path) {
            case "/register" -> api.register(exchange);
            case "/services" -> api.services(exchange);
            case "/health" -> api.health(exchange);
            case "/metrics" -> api.metrics(exchange);
            default -> {
                int slash = path.indexOf('/', 1);
                String name = slash == -1 ? path.substring(1) : path.substring(1, slash);
                String rest = slash == -1 ? "/" : path.substring(slash);
                if (!Registration.isValidName(name)) throw new HttpError(404, "no route for " + path);
                try {
                    rest = RequestPath.removeDotSegments(rest);
                } catch (IllegalArgumentException e) {
                    throw new HttpError(400, e.getMessage());
                }
                proxy.forward(exchange, name, rest, request);
            }
        }
    }

    private static void reply(Exchange exchange, int status, String message, HttpError error) {
        Headers request = exchange.getRequestHeaders();
        if (request.containsKey("Transfer-Encoding") || request.containsKey("Content-Length")
                && !request.getFirst("Content-Length").equals("0")) {
            // What is left of the body may never come: closing the exchange would wait for it
            // without a timeout (see Exchange.refuse), so the connection closes instead.
            exchange.refuse(status, message, error == null ? Map.of() : error.details);
            return;
        }
        try {
            if (error == null) Json.error(exchange, status, message);
            else Json.error(exchange, status, message, error.details);
        } catch (IOException | IllegalStateException e) {
            // headers were already sent, or the client is gone: the status cannot change any more
            LOG.fine("could not send " + status + ": " + e.getMessage());
        }
    }
}
