package gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;

/**
 * An upstream request that has no body at all, so that HttpClient sends no {@code Content-Length: 0}
 * (RFC 9110 §8.6: a client SHOULD NOT send one without a body). Its builder can say so only for
 * GET, HEAD and DELETE; any other method is this wrapper over a built GET. Immutable.
 */
final class BodilessRequest extends HttpRequest {

    private final HttpRequest shape;
    private final String method;

    private BodilessRequest(HttpRequest shape, String method) {
        this.shape = shape;
        this.method = method;
    }

    /** The builder's request, with {@code method} (a valid token other than CONNECT) and no body. */
    static HttpRequest of(HttpRequest.Builder builder, String method) {
        return switch (method) {
            case "GET" -> builder.GET().build();
            case "HEAD" -> builder.HEAD().build();
            case "DELETE" -> builder.DELETE().build();
            // HttpClient copies a request of its own subclass field by field: no publisher, no length
            default -> new BodilessRequest(builder.GET().build(), method);
        };
    }

    @Override
    public Optional<BodyPublisher> bodyPublisher() {
        return Optional.empty();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public Optional<Duration> timeout() {
        return shape.timeout();
    }

    @Override
    public boolean expectContinue() {
        return shape.expectContinue();
    }

    @Override
    public URI uri() {
        return shape.uri();
    }

    @Override
    public Optional<HttpClient.Version> version() {
        return shape.version();
    }

    @Override
    public HttpHeaders headers() {
        return shape.headers();
    }
}
