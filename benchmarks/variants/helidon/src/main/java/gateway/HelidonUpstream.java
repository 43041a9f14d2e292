package gateway;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.uri.UriInfo;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Header;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.common.socket.SocketOptions;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1ClientProtocolConfig;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The upstream edge on Helidon's HTTP/1.1 WebClient, blocking, on the request's own thread: no
 * redirects, no {@code Expect: 100-continue}, keep-alive connections from a pool of the gateway's
 * own ({@link HelidonPool}; closed after any failed attempt). An attempt is bounded
 * twice: each read by the client's read timeout, and the whole attempt up to the answer's head by
 * a deadline that interrupts the thread when it is blocked on the replica (a virtual thread's
 * socket is closed by an interrupt), never while it reads the client's body (that is the client
 * timeout's, see {@link ClientStream}). Helidon's unchecked failures become the IOExceptions
 * {@link Outcome#of(IOException)} classifies; what Helidon's parser lets through is judged by
 * {@link ReplicaAnswer} and {@link #refuseMalformed}; bodies it frames wrongly are framed by
 * {@link HelidonInterim}. Thread-safe.
 */
final class HelidonUpstream implements Upstream {

    private static final Logger LOG = Log.get(HelidonUpstream.class);

    /**
     * Helidon's client writes {@code Content-Length: 0} on every request sent without a body,
     * which RFC 9110 §8.6 says a GET ought not to carry; it leaves it out for a request it marks as
     * the probe of a redirected stream (Http1ClientRequestImpl.outputStreamRedirect, not public).
     * Absent when Helidon changes; BodilessRequestTest then fails.
     */
    private static final VarHandle NO_LENGTH = noLength();

    /** The longest answer head read from a replica. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final Http1Client client;
    private final HelidonPool pool;
    /** Ends attempts at their deadline. */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Threads.virtual("upstream-deadline"));

    HelidonUpstream(Duration connectTimeout) {
        WebClient web = WebClient.builder()
                .connectTimeout(connectTimeout)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).tcpNoDelay(true).build())
                .followRedirects(false)
                .sendExpectContinue(false)
                .shareConnectionCache(false)
                .contentEncoding(HelidonStack.PASS_THROUGH_CODINGS) // answers passed on as they came, whatever decoders ship
                .build();
        this.client = web.client(Http1Client.PROTOCOL, Http1ClientProtocolConfig.builder()
                .validateResponseHeaders(false) // judged here (fields) and by ReplicaAnswer, quoting what is refused
                .maxHeaderSize(MAX_HEADER_BYTES)
                .build());
        this.pool = new HelidonPool(web, timer);
        timer.setRemoveOnCancelPolicy(true);
        if (NO_LENGTH == null) LOG.warning("bodiless requests go upstream with Content-Length: 0 (Helidon changed)");
    }

    @Override
    public Answer send(Request request, Address replica, long timeoutNanos) throws IOException {
        URI base = URI.create(replica.url());
        TcpClientConnection connection = pool.take(replica, base);
        try {
            return send(request, base, connection, timeoutNanos);
        } catch (IOException | RuntimeException e) {
            discard(connection); // whatever it carried may not have been read to its end
            throw e;
        }
    }

    private Answer send(Request request, URI base, TcpClientConnection connection, long timeoutNanos) throws IOException {
        Http1ClientRequest call = client.method(Method.create(request.method()))
                .connection(connection)
                .uri(target(base, request))
                // in whole milliseconds rounded up (a socket's timeout is in ms): one that ended inside the
                // deadline's last millisecond would be a timeout while the proxy still saw time left (502, not 504)
                .readTimeout(Duration.ofMillis((timeoutNanos + 999_999) / 1_000_000))
                .followRedirects(false);
        List<Header> headers = new ArrayList<>(request.headers().size());
        for (var header : request.headers()) {
            Header h = HeaderValues.create(header.getKey(), header.getValue());
            try {
                h.validate();
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "header '" + header.getKey() + "' cannot be forwarded: " + e.getMessage());
            }
            headers.add(h);
        }
        call.headers(out -> headers.forEach(out::add));
        RequestBody body = request.body();
        Attempt attempt = new Attempt();
        ScheduledFuture<?> deadline = timer.schedule(attempt::cut, timeoutNanos, TimeUnit.NANOSECONDS);
        HttpClientResponse response = null;
        try {
            if (!connection.isConnected()) connection.connect(); // a new one: within the deadline too
            if (body.absent()) {
                if (NO_LENGTH != null) NO_LENGTH.set(call, true);
                response = call.request();
            } else if (body.declaredLength() == 0 || request.method().equals("HEAD")) {
                // a declared empty body keeps its Content-Length: 0; Helidon refuses to stream one for HEAD
                response = call.request();
            } else {
                long length = body.declaredLength();
                if (length >= 0) call.header(HeaderValues.create("Content-Length", Long.toString(length)));
                response = call.outputStream(out -> {
                    try {
                        OutputStream upstream = attempt.guard(out);
                        attempt.readingClient(true);
                        body.writeTo(upstream);
                        attempt.readingClient(false);
                        upstream.close();
                    } catch (IOException | RuntimeException e) {
                        discard(connection); // Helidon leaves the connection of a broken upload open
                        throw e;
                    }
                });
            }
            int first = response.status().code();
            Answer answer = first >= 100 && first < 200 && first != 101
                    ? afterInterim(request, connection) : answer(request, response, connection);
            attempt.done();
            return answer;
        } catch (IOException | RuntimeException e) {
            discard(connection);
            if (response != null) closeQuietly(response);
            if (e instanceof HttpError error) throw error;
            LOG.log(java.util.logging.Level.FINE, "attempt at " + base + " failed", e);
            IOException failure = failure(e);
            if (attempt.done() && !(failure instanceof ClientStream.Gone)) {
                throw new HttpTimeoutException("no answer from the replica in time");
            }
            throw failure;
        } finally {
            deadline.cancel(false);
        }
    }

    /** The final answer that follows an interim one, read on the same connection (see {@link HelidonInterim}). */
    private static Answer afterInterim(Request request, TcpClientConnection connection) throws IOException {
        HelidonInterim.Head head = HelidonInterim.next(connection, MAX_HEADER_BYTES);
        int status = head.status();
        Map<String, List<String>> headers = head.headers();
        if (status == 101) throw new ProtocolException("101 Switching Protocols answers a request that asked for no upgrade");
        refuseMalformed(status, headers);
        List<String> lengths = headers.get("content-length");
        long length = lengths == null ? -1 : Long.parseLong(lengths.get(0));
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            connection.closeResource();
            return new Answer(status, headers, length, InputStream.nullInputStream());
        }
        return new Answer(status, headers, length, HelidonInterim.body(connection, length, headers.containsKey("transfer-encoding")));
    }

    /** The answer whose head has arrived: refused when malformed; a small body of known length read whole. */
    private static Answer answer(Request request, HttpClientResponse response, TcpClientConnection connection) throws IOException {
        int status = response.status().code();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int fields = 0;
        for (Header header : response.headers()) {
            headers.computeIfAbsent(header.name(), name -> new ArrayList<>()).addAll(header.allValues());
            fields += header.allValues().size();
        }
        if (fields > ReplicaConnection.MAX_FIELDS) throw new ProtocolException("more than " + ReplicaConnection.MAX_FIELDS + " header fields");
        // HttpClient refuses a 101 itself: a proxied request asked for no protocol switch
        if (status == 101) throw new ProtocolException("101 Switching Protocols answers a request that asked for no upgrade");
        refuseMalformed(status, headers);
        List<String> lengths = headers.get("content-length");
        long length = lengths == null ? -1 : Long.parseLong(lengths.get(0)); // digits, checked by ReplicaAnswer
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            closeQuietly(response); // no body follows; Helidon drops the connection when it cannot tell
            return new Answer(status, headers, length, InputStream.nullInputStream());
        }
        if (length < 0) {
            // Chunked or to the end: framed here, as after an interim answer. Helidon's client
            // fails on chunk extensions (RFC 9112 §7.1.1) and leaves trailers it was not told
            // of unread, to be taken for the start of the next answer on the connection.
            return new Answer(status, headers, -1, HelidonInterim.body(connection, -1, headers.containsKey("transfer-encoding")));
        }
        InputStream body = new Body(response);
        if (length >= 0 && length <= HttpClientUpstream.READ_WHOLE) {
            // as HttpClientUpstream: a break-off is a failed attempt before the client sees a byte
            byte[] all = body.readNBytes((int) length);
            if (all.length < length) {
                throw new IOException("the replica closed the connection " + (length - all.length) + " bytes before the end of its answer");
            }
            body.read(); // the end: Helidon counts the body read and pools the connection
            body.close();
            return new Answer(status, headers, length, new ByteArrayInputStream(all));
        }
        return new Answer(status, headers, length, body);
    }

    /**
     * Refuses what ReplicaAnswer refuses on every stack, and a field Helidon's parser let through
     * that is not one: its lenient parse keeps what precedes the colon as the name, spaces included
     * (RFC 9110 §5.1: a name is a token). The rules are SocketUpstream's (ReplicaConnection).
     */
    private static void refuseMalformed(int status, Map<String, List<String>> headers) throws ProtocolException {
        var malformed = ReplicaAnswer.malformed(status, headers);
        if (malformed.isPresent()) throw new ProtocolException(malformed.get() + quoted(headers));
        for (var header : headers.entrySet()) {
            String name = header.getKey();
            if (!ReplicaConnection.token(name)) throw new ProtocolException("header name '" + name + "' is not a token");
            for (String value : header.getValue()) {
                if (!ReplicaConnection.fieldValue(value)) {
                    throw new ProtocolException("header " + name + " holds a control character: '" + value + "'");
                }
            }
        }
    }

    /**
     * The first header that splits a line, quoted as HttpClient quotes the bytes it refuses (Proxy
     * logs it with anything unprintable as '?'), or nothing.
     */
    private static String quoted(Map<String, List<String>> headers) {
        for (var header : headers.entrySet()) {
            for (String value : header.getValue()) {
                if (ReplicaAnswer.splitsALine(header.getKey()) || ReplicaAnswer.splitsALine(value)) {
                    return ": '" + header.getKey() + ": " + value + "'";
                }
            }
        }
        return "";
    }

    /** What Helidon threw, as the IOException Outcome.of classifies. */
    private static IOException failure(Exception e) {
        if (e instanceof IOException io) return io;
        if (e instanceof UncheckedIOException unchecked) {
            IOException cause = unchecked.getCause();
            if (cause instanceof SocketTimeoutException && connecting(cause)) {
                return new HttpConnectTimeoutException("no connection within the connect timeout");
            }
            if (cause instanceof SocketTimeoutException) return new HttpTimeoutException("no answer from the replica in time");
            if (cause instanceof UnknownHostException) return new ConnectException("unknown host: " + cause.getMessage());
            return cause;
        }
        if (e instanceof DataReader.InsufficientDataAvailableException) {
            return new IOException("the replica closed the connection before its answer");
        }
        if (e instanceof io.helidon.webclient.api.RuntimeUnknownHostException) {
            return new ConnectException("unknown host: " + e.getMessage());
        }
        // Helidon's parsers refuse a malformed status line or header with unchecked exceptions
        ProtocolException protocol = new ProtocolException("malformed answer: " + e.getMessage());
        protocol.initCause(e);
        return protocol;
    }

    /** Whether a socket timeout was met in connect (the JDK's stack), not in a read. */
    private static boolean connecting(Throwable e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getMethodName().equals("connect") && frame.getClassName().startsWith("java.net.")) return true;
            if (frame.getMethodName().equals("connect") && frame.getClassName().startsWith("sun.nio.ch.")) return true;
        }
        return false;
    }

    /** The replica's base URL and the client's raw path and query, sent byte for byte. */
    private static ClientUri target(URI base, Request request) {
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        String path = basePath.isEmpty() ? request.rawPath() : basePath + request.rawPath();
        if (request.rawQuery() != null) path = path + '?' + request.rawQuery();
        // As the raw path: Helidon writes it as given, where a ClientUri made from a URI would
        // decode and re-encode the path and parse and rebuild the query.
        UriInfo info = UriInfo.builder()
                .scheme(base.getScheme())
                .host(HelidonPool.host(base))
                .port(HelidonPool.port(base))
                .path(UriPath.create(path))
                .build();
        return ClientUri.create(info);
    }

    /** Closes a connection, made or not (Helidon's close fails on one never connected). */
    private static void discard(TcpClientConnection connection) {
        if (!connection.isConnected()) return;
        try {
            connection.closeResource();
        } catch (RuntimeException e) {
            LOG.fine("closing an upstream connection: " + e.getMessage());
        }
    }

    /** Helidon's close reads what is buffered of the rest; on a connection closed already, it throws. */
    private static void closeQuietly(HttpClientResponse response) {
        try {
            response.close();
        } catch (RuntimeException e) {
            LOG.fine("closing an answer: " + e.getMessage());
        }
    }

    private static VarHandle noLength() {
        try {
            Class<?> impl = Class.forName("io.helidon.webclient.http1.Http1ClientRequestImpl");
            return MethodHandles.privateLookupIn(impl, MethodHandles.lookup()).findVarHandle(impl, "outputStreamRedirect", boolean.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pool.close();
        client.closeResource();
    }

    /**
     * One attempt's deadline, shared by its thread and the timer: the timer interrupts the
     * thread only while it waits on the replica; while it reads the client's body the cut is
     * noted, and the next write to the replica fails. Thread-safe.
     */
    private static final class Attempt {
        private final Thread thread = Thread.currentThread();
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        // guarded by lock:
        private boolean readingClient;
        private boolean cut;
        private boolean done;

        void cut() {
            lock.lock();
            try {
                if (done) return;
                cut = true;
                if (!readingClient) thread.interrupt();
            } finally {
                lock.unlock();
            }
        }

        void readingClient(boolean reading) throws HttpTimeoutException {
            lock.lock();
            try {
                readingClient = reading;
                if (cut) throw new HttpTimeoutException("no answer from the replica in time (the body was still going up)");
            } finally {
                lock.unlock();
            }
        }

        /** The attempt is over; true when the deadline cut it (its interrupt is cleared). */
        boolean done() {
            lock.lock();
            try {
                done = true;
                if (cut) Thread.interrupted();
                return cut;
            } finally {
                lock.unlock();
            }
        }

        /** The replica's side of the body's copy: each write leaves the client's side for its duration. */
        OutputStream guard(OutputStream out) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    readingClient(false);
                    out.write(b, off, len);
                    readingClient(true);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }
    }

    /**
     * A body of known length, streamed. Helidon reports one cut off with unchecked exceptions:
     * they become IOExceptions, so that Proxy drops the client's connection rather than pass a
     * truncated body off as whole.
     */
    private static final class Body extends InputStream {
        private final HttpClientResponse response;
        private final InputStream in;

        Body(HttpClientResponse response) {
            this.response = response;
            this.in = response.inputStream();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (DataReader.InsufficientDataAvailableException e) {
                throw new IOException("the replica closed the connection before the end of its answer");
            } catch (RuntimeException e) {
                throw HelidonStack.checked(e, "the replica's answer broke off");
            }
        }

        @Override
        public void close() {
            closeQuietly(response); // a body not read to its end closes the connection
        }
    }
}
