package gateway;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;

/**
 * A client's request body on its way upstream. Bodies up to {@code keep} bytes are read whole,
 * so a retry can send them again; larger ones are streamed (the first {@code keep} bytes from
 * memory, the rest straight from the client) and can be sent only once. Not thread-safe: one
 * request's thread owns it.
 */
final class RequestBody {

    private static final RequestBody EMPTY = new RequestBody(new byte[0], null, 0);

    private final byte[] kept;
    private final InputStream rest;
    private final long length;
    /** Set (by the client's thread) once a streamed body starts flowing upstream; never for a kept one. */
    private volatile boolean streamed;

    private RequestBody(byte[] kept, InputStream rest, long length) {
        this.kept = kept;
        this.rest = rest;
        this.length = length;
    }

    static RequestBody read(HttpExchange exchange, int keep) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length '" + declared + "' is not a number");
            }
        }
        // A message with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3).
        if (declared == null && !exchange.getRequestHeaders().containsKey("Transfer-Encoding")) return EMPTY;
        InputStream in = exchange.getRequestBody();
        if (length >= 0 && length <= keep) {
            byte[] all = in.readNBytes((int) length);
            if (all.length < length) throw truncated(all.length, length);
            return new RequestBody(all, null, length);
        }
        byte[] head = in.readNBytes(keep);
        if (head.length < keep) {
            if (length >= 0) throw truncated(head.length, length);
            return new RequestBody(head, null, head.length);
        }
        if (length >= 0) return new RequestBody(head, in, length);
        int next = in.read(); // chunked: only reading on tells whether there is more
        if (next < 0) return new RequestBody(head, null, head.length);
        return new RequestBody(head, new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) next}), in), -1);
    }

    private static HttpError truncated(long got, long declared) {
        return new HttpError(400, "request body ended after " + got + " of " + declared + " bytes");
    }

    /** Whether the client sent no body at all (not even {@code Content-Length: 0}): then none goes upstream. */
    boolean absent() {
        return this == EMPTY;
    }

    /** Whether another attempt can send this body (again). */
    boolean replayable() {
        return rest == null || !streamed;
    }

    /** The body for one attempt; a streamed body marks itself used once the client starts reading it. */
    BodyPublisher publisher() {
        if (rest == null) return kept.length == 0 ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(kept);
        BodyPublisher stream = BodyPublishers.ofInputStream(() -> {
            streamed = true;
            return new SequenceInputStream(new ByteArrayInputStream(kept), rest);
        });
        return length > 0 ? BodyPublishers.fromPublisher(stream, length) : stream;
    }
}
