package gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.util.Map;
import java.util.TreeMap;

/**
 * An answer's body as its framing delimits it: a Content-Length, the chunked coding (trailers read
 * and dropped: HttpServer cannot send them on), or the end of the connection. At its end the
 * connection goes back to the pool if it may carry another answer; closed before its end, the
 * connection is closed (its next bytes are this body's rest). Not thread-safe: one reader.
 */
final class ReplicaBody extends InputStream {

    /** Longer than this, a chunk size could overflow a long. */
    private static final int MAX_SIZE_DIGITS = 15;

    private final ReplicaConnection connection;
    private final SocketUpstream.Pool pool;
    private final boolean keepAlive;
    private final boolean chunked;
    /** Bytes left in the body (Content-Length) or in the current chunk; -1: to the end of the connection. */
    private long left;
    private boolean ended;
    private boolean closed;

    private ReplicaBody(ReplicaConnection connection, SocketUpstream.Pool pool, boolean keepAlive, boolean chunked, long left) {
        this.connection = connection;
        this.pool = pool;
        this.keepAlive = keepAlive;
        this.chunked = chunked;
        this.left = left;
    }

    static ReplicaBody ofLength(ReplicaConnection connection, SocketUpstream.Pool pool, boolean keepAlive, long length) {
        ReplicaBody body = new ReplicaBody(connection, pool, keepAlive, false, length);
        if (length == 0) body.end();
        return body;
    }

    static ReplicaBody chunked(ReplicaConnection connection, SocketUpstream.Pool pool, boolean keepAlive) {
        return new ReplicaBody(connection, pool, keepAlive, true, 0);
    }

    /** A body without framing lasts until the replica closes the connection, which then cannot be reused. */
    static ReplicaBody toTheEnd(ReplicaConnection connection, SocketUpstream.Pool pool) {
        return new ReplicaBody(connection, pool, false, false, -1);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("closed");
        if (ended) return -1;
        if (len == 0) return 0;
        try {
            if (chunked && left == 0 && !nextChunk()) return -1;
            int max = left < 0 ? len : (int) Math.min(len, left);
            int n = connection.readBody(b, off, max, 0, Clock.SYSTEM);
            if (n < 0) {
                if (left < 0) { // the end of the connection is the end of this body
                    end();
                    return -1;
                }
                throw new IOException("the replica closed the connection " + left + " bytes before the end of its answer");
            }
            if (left > 0) left -= n;
            if (!chunked && left == 0) end();
            return n;
        } catch (IOException e) {
            ended = true;
            connection.close();
            throw e;
        }
    }

    /** Reads a chunk's size line (and the CRLF ending the chunk before it); false after the last chunk and trailers. */
    private boolean nextChunk() throws IOException {
        int[] budget = {ReplicaConnection.MAX_HEAD_BYTES};
        if (started) {
            String end = connection.line(budget, 0, Clock.SYSTEM);
            if (!end.isEmpty()) throw new ProtocolException("a chunk is longer than its size");
        }
        started = true;
        String line = connection.line(budget, 0, Clock.SYSTEM);
        int semicolon = line.indexOf(';'); // chunk extensions are ignored (RFC 9112 §7.1.1)
        String size = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
        if (size.isEmpty() || size.length() > MAX_SIZE_DIGITS) throw new ProtocolException("chunk size '" + line + "' is not a size");
        long value = 0;
        for (int i = 0; i < size.length(); i++) {
            int digit = Character.digit(size.charAt(i), 16);
            if (digit < 0) throw new ProtocolException("chunk size '" + line + "' is not hexadecimal");
            value = value * 16 + digit;
        }
        if (value > 0) {
            left = value;
            return true;
        }
        Map<String, java.util.List<String>> trailers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        connection.fields(trailers, budget, 0, Clock.SYSTEM);
        end();
        return false;
    }

    private boolean started;

    /** The body is over: the connection goes back to the pool or is closed. */
    private void end() {
        ended = true;
        over(connection, pool, keepAlive);
    }

    /** An answer on {@code connection} has been read to its end: the connection is pooled or closed. */
    static void over(ReplicaConnection connection, SocketUpstream.Pool pool, boolean keepAlive) {
        if (keepAlive && connection.drained()) {
            pool.give(connection);
        } else {
            connection.close();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!ended) {
            ended = true;
            connection.close();
        }
    }
}
