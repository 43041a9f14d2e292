package gateway;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection to a replica, used by one request's thread at a time: writes a request,
 * reads the answer's head strictly (RFC 9112: no bare CR, NUL or other control byte, no line
 * folding, no space before a colon, a three-digit status, bounded size and count) and frames its
 * body ({@link ReplicaBody}). Not thread-safe: the pool hands it to one thread at a time.
 */
final class ReplicaConnection implements AutoCloseable {

    /** The same bound as HttpClient's (jdk.http.maxHeaderSize, 384 KiB): a head larger than this is refused. */
    static final int MAX_HEAD_BYTES = 384 * 1024;
    /** Header fields in one head (interim heads and trailers each counted alone). */
    static final int MAX_FIELDS = 256;

    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[8192];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private final ByteBuffer peek = ByteBuffer.allocate(1);
    /** Bytes of the current answer read so far: none means the replica never began to answer. */
    private long answered;
    /** When it went back to the pool (the pool's clock). */
    long idleSince;

    ReplicaConnection(SocketChannel channel, Socket socket) throws IOException {
        this.channel = channel;
        this.socket = socket; // the channel's own socket, or TLS layered over it
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Whether the replica closed this idle connection, or sent bytes nobody asked for: it must not
     * carry a request. One non-blocking read, so a live connection costs no wait.
     */
    boolean stale() {
        if (pos < limit) return true;
        try {
            channel.configureBlocking(false);
            try {
                peek.clear();
                return channel.read(peek) != 0; // -1: closed; 1: bytes out of turn
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Whether any byte of the current answer arrived: before that, a failure may be a stale connection. */
    boolean answerBegan() {
        return answered > 0;
    }

    /**
     * Writes the request head (built by {@link #head}) and the body, if any. A socket write has no
     * timeout, and a body's may wait on a replica that does not read or on a client that pauses:
     * {@code timer} closes the connection at {@code deadline} (real time), and the attempt is then
     * an {@link HttpTimeoutException}. A bodiless request is one write of a few hundred bytes, no timer.
     */
    void write(byte[] head, RequestBody body, long deadline, ScheduledExecutorService timer) throws IOException {
        answered = 0;
        out.write(head);
        if (!body.absent() && body.declaredLength() != 0) {
            ScheduledFuture<?> cut = timer.schedule(this::cutOff, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            try {
                if (body.declaredLength() < 0) {
                    ChunkedOut chunked = new ChunkedOut(out);
                    body.writeTo(chunked);
                    chunked.finish();
                } else {
                    body.writeTo(out);
                }
            } catch (IOException e) {
                if (cutOff && !(e instanceof ClientStream.Gone)) {
                    throw new HttpTimeoutException("the request body was not through within the deadline");
                }
                throw e;
            } finally {
                cut.cancel(false);
            }
        }
        out.flush();
    }

    /** Set by the timer when it closed the connection at the deadline of a body's write. */
    private volatile boolean cutOff;

    private void cutOff() {
        cutOff = true;
        close();
    }

    /** Whether the deadline's timer closed this connection (then any failure on it is a timeout). */
    boolean wasCutOff() {
        return cutOff;
    }

    /**
     * The request line and headers: {@code path} is the replica's base path, the client's raw path
     * and query. A header that HTTP/1.1 cannot carry (a name not a token, a value with CR, LF, NUL or
     * another control character) is a 400, as HttpClient refuses the same.
     */
    static byte[] head(String method, String path, String authority, List<Map.Entry<String, String>> headers, RequestBody body) {
        StringBuilder head = new StringBuilder(128 + 48 * headers.size());
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
        for (var header : headers) {
            String name = header.getKey();
            String value = header.getValue();
            if (!token(name)) throw new HttpError(400, "header '" + name + "' cannot be forwarded: not a token");
            if (!fieldValue(value)) throw new HttpError(400, "header '" + name + "' cannot be forwarded: invalid value");
            head.append(name).append(": ").append(value).append("\r\n");
        }
        if (!body.absent()) {
            long length = body.declaredLength();
            head.append(length < 0 ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + length + "\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The answer's final head; interim 1xx heads are read and dropped. */
    Head readHead(long deadline, Clock clock) throws IOException {
        while (true) {
            int[] budget = {MAX_HEAD_BYTES};
            String statusLine = line(budget, deadline, clock);
            Head head = statusLine(statusLine);
            fields(head.headers, budget, deadline, clock);
            if (head.status == 101) throw new ProtocolException("101 Switching Protocols: an upgrade is not relayed");
            if (head.status >= 200 || head.status < 100) return head;
        }
    }

    /** One answer's status line and fields; {@code keepAlive} when HTTP/1.1 and no {@code Connection: close}. */
    record Head(int status, boolean http11, Map<String, List<String>> headers) {
        boolean keepAlive() {
            if (!http11) return false;
            List<String> connection = headers.get("connection");
            if (connection == null) return true;
            for (String value : connection) {
                for (String token : value.split(",")) if (token.strip().equalsIgnoreCase("close")) return false;
            }
            return true;
        }
    }

    /** The status line, read strictly; shared with the Vert.x variant's raw-byte reader (StrictResponseHead). */
    static Head statusLine(String text) throws ProtocolException {
        boolean http11 = text.startsWith("HTTP/1.1 ");
        if (!http11 && !text.startsWith("HTTP/1.0 ")) throw new ProtocolException("status line '" + text + "' is not HTTP/1.x");
        if (text.length() < 12 || (text.length() > 12 && text.charAt(12) != ' ')) {
            throw new ProtocolException("status line '" + text + "' has no three-digit status");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') throw new ProtocolException("status line '" + text + "' has no three-digit status");
            status = status * 10 + (c - '0');
        }
        return new Head(status, http11, new TreeMap<>(String.CASE_INSENSITIVE_ORDER));
    }

    /** Header (or trailer) fields up to the empty line, into {@code into}. */
    void fields(Map<String, List<String>> into, int[] budget, long deadline, Clock clock) throws IOException {
        int count = 0;
        for (String field = line(budget, deadline, clock); !field.isEmpty(); field = line(budget, deadline, clock)) {
            if (++count > MAX_FIELDS) throw new ProtocolException("more than " + MAX_FIELDS + " header fields");
            field(field, into);
        }
    }

    /** One non-empty field line, read strictly, into {@code into}; shared with StrictResponseHead. */
    static void field(String field, Map<String, List<String>> into) throws ProtocolException {
        char first = field.charAt(0);
        if (first == ' ' || first == '\t') throw new ProtocolException("a folded header line (obsolete, RFC 9112 §5.2)");
        int colon = field.indexOf(':');
        String name = colon > 0 ? field.substring(0, colon) : "";
        if (!token(name)) throw new ProtocolException("header line '" + field + "' has no valid name");
        String value = field.substring(colon + 1).strip();
        if (!fieldValue(value)) throw new ProtocolException("header " + name + " holds a control character");
        into.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
    }

    /**
     * One line of the head without its end (CRLF; a bare LF is taken too, RFC 9112 §2.2 allows it).
     * A bare CR or a NUL anywhere is refused: HttpClient cannot see either (README, JDK limits).
     */
    String line(int[] budget, long deadline, Clock clock) throws IOException {
        int length = 0;
        while (true) {
            if (pos == limit) fill(deadline, clock);
            byte b = buffer[pos++];
            answered++;
            if (--budget[0] < 0) throw new ProtocolException("the answer's head is over " + MAX_HEAD_BYTES + " bytes");
            if (b == '\n') {
                if (length > 0 && line[length - 1] == '\r') length--;
                String text = new String(line, 0, length, StandardCharsets.ISO_8859_1);
                if (text.indexOf('\r') >= 0) throw new ProtocolException("a bare CR in the answer's head: " + text);
                if (text.indexOf('\0') >= 0) throw new ProtocolException("a NUL in the answer's head: " + text);
                return text;
            }
            if (length == line.length) line = java.util.Arrays.copyOf(line, length * 2);
            line[length++] = b;
        }
    }

    /** Reads more into the buffer, waiting until {@code deadline} at most (0: no limit). */
    private void fill(long deadline, Clock clock) throws IOException {
        if (deadline != 0) {
            long left = deadline - clock.nanoTime();
            if (left <= 0) throw new HttpTimeoutException("no answer from the replica in time");
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
        } else {
            socket.setSoTimeout(0);
        }
        int n;
        try {
            n = in.read(buffer, 0, buffer.length);
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("no answer from the replica in time");
        }
        if (n < 0) {
            throw new EOFException(answered == 0 ? "the replica closed the connection without answering"
                    : "the replica closed the connection within the answer");
        }
        pos = 0;
        limit = n;
    }

    /** Up to {@code max} bytes of the body into {@code into}; -1 at the end of the connection. */
    int readBody(byte[] into, int off, int max, long deadline, Clock clock) throws IOException {
        if (pos == limit) {
            try {
                fill(deadline, clock);
            } catch (EOFException e) {
                return -1;
            }
        }
        int n = Math.min(max, limit - pos);
        System.arraycopy(buffer, pos, into, off, n);
        pos += n;
        return n;
    }

    /** Whether the answer ended exactly at the end of what was read: otherwise the replica sent more than it framed. */
    boolean drained() {
        return pos == limit;
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean token(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /** RFC 9110 §5.5: visible characters, obs-text, space and tab; no CR, LF, NUL or other control. */
    static boolean fieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < ' ' && c != '\t') || c == 0x7f || c > 0xff) return false;
        }
        return true;
    }

    @Override
    public void close() {
        try {
            socket.close();
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    /** The chunked coding of a request body of unknown length. */
    private static final class ChunkedOut extends OutputStream {
        private final OutputStream out;

        ChunkedOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) return; // a zero-size chunk would end the body
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write(CRLF);
        }

        void finish() throws IOException {
            out.write(LAST);
        }

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] LAST = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    }
}
