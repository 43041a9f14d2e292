package gateway;

import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's request decoder, but a head with both Content-Length and Transfer-Encoding keeps both:
 * Netty would drop the Content-Length and read the body as chunked, and the gateway could not see
 * the ambiguity that RFC 9112 §6.3 says to refuse (VertxServer answers it 400). One per connection.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // keep the Content-Length: the head is refused before any of its body is read
    }
}
