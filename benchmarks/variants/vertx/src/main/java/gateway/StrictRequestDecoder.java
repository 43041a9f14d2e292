package gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.io.IOException;
import java.util.List;

/**
 * Vert.x's request decoder, held to the default stack's rules where Netty's differ. A head with
 * both Content-Length and Transfer-Encoding keeps both: Netty would drop the Content-Length and
 * read the body as chunked, and the gateway could not see the ambiguity that RFC 9112 §6.3 says to
 * refuse (VertxServer answers it 400). A version is read as {@link RequestHead#versionRefusal}
 * says: a refused one (Netty takes "http/1.1" for 1.1; Vert.x answers 9.9 501 before any handler)
 * makes the head invalid, and VertxServer answers the {@link HttpError}; a higher 1.x is served as
 * 1.1 (RFC 9110 §6.2), which Vert.x would answer 501. A chunked body with a trailer section fails,
 * as HttpServer's does (Netty would pass it on as whole, its trailer dropped). One per connection.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        // keep the Content-Length: the head is refused before any of its body is read
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) {
        HttpError refusal = RequestHead.versionRefusal(initialLine[2]);
        if (refusal != null) throw refusal; // Netty makes the head invalid, with this as its cause
        if (!initialLine[2].equals("HTTP/1.0")) initialLine[2] = "HTTP/1.1";
        return super.createMessage(initialLine);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int from = out.size();
        super.decode(ctx, buffer, out);
        for (int i = from; i < out.size(); i++) {
            if (out.get(i) instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
                LastHttpContent failed = new DefaultLastHttpContent(last.content().retain());
                failed.setDecoderResult(DecoderResult.failure(
                        new IOException("the chunked body has a trailer section, which the gateway does not read")));
                last.release();
                out.set(i, failed);
            }
        }
    }
}
