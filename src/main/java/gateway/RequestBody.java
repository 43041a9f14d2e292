package gateway;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A client's request body on its way upstream. A body of up to {@code keep} bytes is read whole,
 * so that a retry can send it again, when the {@link RetryBudget} has room for it; any other body
 * is streamed from the client (after what was kept of it, if anything) and can be sent only once.
 * Every read of the client goes through a {@link ClientStream}, which tells a client's failure
 * from a replica's. Not thread-safe: one request's thread owns it (the upstream client reads the
 * streamed part on its own threads).
 */
final class RequestBody {

    /** A chunked body is kept in pieces of this size, each reserved before it is read. */
    static final int PIECE = 16 * 1024;

    private static final RequestBody EMPTY = new RequestBody(List.of(), null, false, 0, null, 0);

    private final List<byte[]> kept;
    private final ClientStream client;
    /** Whether more is to be read from the client after what was kept. */
    private final boolean streaming;
    private final long length;
    private final RetryBudget budget;
    /** Bytes of the retry budget this body holds; given back once no retry can need them. Request thread only. */
    private long reserved;
    /** Set (by an upstream thread) once a streamed body starts flowing upstream; never for a kept one. */
    private volatile boolean streamed;

    private RequestBody(List<byte[]> kept, ClientStream client, boolean streaming, long length,
                        RetryBudget budget, long reserved) {
        this.kept = kept;
        this.client = client;
        this.streaming = streaming;
        this.length = length;
        this.budget = budget;
        this.reserved = reserved;
    }

    /**
     * Reads what is kept of the body; the caller must {@link #end} the result.
     *
     * @throws ClientStream.Gone when the client fails while its body is read
     */
    static RequestBody read(Exchange exchange, int keep, RetryBudget budget, BodyWatch watch) throws IOException {
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
        if (length == 0) return new RequestBody(List.of(), null, false, 0, null, 0);
        ClientStream in = watch.open(exchange);
        long reserved = 0;
        try {
            if (declared != null) {
                if (length > keep || !budget.tryReserve(length)) {
                    return new RequestBody(List.of(), in, true, length, budget, 0); // never kept: streamed from the start
                }
                reserved = length;
                byte[] all = new byte[(int) length];
                int got = in.readNBytes(all, 0, all.length);
                if (got < length) throw new HttpError(400, "request body ended after " + got + " of " + length + " bytes");
                return new RequestBody(List.of(all), in, false, length, budget, reserved);
            }
            // Chunked: keep pieces while the budget has room; only reading on tells where the body ends.
            List<byte[]> pieces = new ArrayList<>();
            long have = 0;
            while (have < keep) {
                int size = (int) Math.min(PIECE, keep - have);
                if (!budget.tryReserve(size)) break;
                reserved += size;
                byte[] piece = new byte[size];
                int got = in.readNBytes(piece, 0, size);
                if (got < size) { // the end of the body: all of it is kept
                    pieces.add(Arrays.copyOf(piece, got)); // perhaps empty, which sends nothing
                    budget.release(size - got);
                    reserved -= size - got;
                    return new RequestBody(pieces, in, false, -1, budget, reserved);
                }
                pieces.add(piece);
                have += got;
            }
            if (have == keep) {
                int next = in.read();
                if (next < 0) return new RequestBody(pieces, in, false, -1, budget, reserved);
                pieces.add(new byte[] {(byte) next});
            }
            return new RequestBody(pieces, in, true, -1, budget, reserved);
        } catch (IOException | RuntimeException e) {
            budget.release(reserved);
            in.end();
            throw e;
        }
    }

    /** No body at all: what a request the gateway makes itself (a probe) sends. */
    static RequestBody none() {
        return EMPTY;
    }

    /** Whether the client sent no body at all (not even {@code Content-Length: 0}): then none goes upstream. */
    boolean absent() {
        return this == EMPTY;
    }

    /** Whether another attempt can send this body (again). */
    boolean replayable() {
        return !streaming || !streamed;
    }

    /** The body for one attempt; a streamed body marks itself used once the upstream client starts reading it. */
    BodyPublisher publisher() {
        if (!streaming) {
            long keptLength = 0;
            for (byte[] piece : kept) keptLength += piece.length;
            if (keptLength == 0) return BodyPublishers.noBody();
            if (kept.size() == 1) return BodyPublishers.ofByteArray(kept.get(0));
            return BodyPublishers.fromPublisher(BodyPublishers.ofByteArrays(kept), keptLength);
        }
        BodyPublisher stream = BodyPublishers.ofInputStream(() -> {
            streamed = true;
            if (kept.isEmpty()) return client;
            List<InputStream> parts = new ArrayList<>();
            for (byte[] piece : kept) parts.add(new ByteArrayInputStream(piece));
            parts.add(client);
            return new SequenceInputStream(Collections.enumeration(parts));
        });
        return length == -1 ? stream : BodyPublishers.fromPublisher(stream, length); // -1: chunked, length unknown
    }

    /** The length to declare upstream: known, or -1 when the client sent it chunked and it is streamed. */
    long declaredLength() {
        if (streaming) return length;
        long keptLength = 0;
        for (byte[] piece : kept) keptLength += piece.length;
        return keptLength;
    }

    /**
     * Writes the body for one attempt, on the caller's thread (see {@link SocketUpstream}); a
     * streamed body marks itself used before its first byte is read from the client.
     */
    void writeTo(OutputStream out) throws IOException {
        if (streaming) streamed = true;
        for (byte[] piece : kept) out.write(piece);
        if (streaming) client.transferTo(out);
    }

    /** Whether the client's side failed while its body was read: it hung up, reset, or stalled past the client timeout. */
    boolean clientFailed() {
        return client != null && client.failed();
    }

    /** Whether more of a streamed body is still to come from the client. */
    boolean stillArriving() {
        return streaming && !client.complete();
    }

    /**
     * Takes the right to answer the client before anything is sent.
     *
     * @throws ClientStream.Gone when the client timeout's 408 went out instead
     */
    void answer() throws ClientStream.Gone {
        giveBack(); // a replica answered: no retry will resend the body, and the next request may need the room
        if (client != null && !client.answerForRequest()) throw client.timedOut();
    }

    private void giveBack() {
        if (reserved == 0) return; // nothing kept (EMPTY, shared by every bodiless request, is never written)
        budget.release(reserved);
        reserved = 0;
    }

    /**
     * The request is over: what was kept goes back to the budget and the client's stream is no
     * longer watched (once no thread reads it).
     *
     * @throws ClientStream.Gone when the client timeout's 408 went out instead of the request's answer
     */
    void end() throws ClientStream.Gone {
        if (client == null) return;
        giveBack();
        boolean ours = client.answerForRequest();
        client.end();
        if (!ours) throw client.timedOut();
    }
}
