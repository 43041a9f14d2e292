package gateway;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.uri.UriInfo;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Header;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
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
 * The upstream edge on Helidon's HTTP/1.1 WebClient, blocking, on the request's own thread:
 * Helidon's keep-alive pool, no redirects, no {@code Expect: 100-continue}. An attempt is bounded
 * twice: each read by the client's read timeout, and the whole attempt up to the answer's head by
 * a deadline that interrupts the thread when it is blocked on the replica (a virtual thread's
 * socket is closed by an interrupt), never while it reads the client's body (that is the client
 * timeout's, see {@link ClientStream}). Helidon's unchecked failures become the IOExceptions
 * {@link Outcome#of(IOException)} classifies. Thread-safe.
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

    private final Http1Client client;
    /** Ends attempts at their deadline. */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Threads.virtual("upstream-deadline"));

    HelidonUpstream(Duration connectTimeout) {
        this.client = Http1Client.builder()
                .connectTimeout(connectTimeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .shareConnectionCache(false) // one gateway's pool is its own (tests run several in one JVM)
                .protocolConfig(protocol -> protocol
                        .validateResponseHeaders(false) // ReplicaAnswer judges the answer, as on every stack
                        .maxHeaderSize(64 * 1024))
                .build();
        timer.setRemoveOnCancelPolicy(true);
        if (NO_LENGTH == null) LOG.warning("bodiless requests go upstream with Content-Length: 0 (Helidon changed)");
    }

    @Override
    public Answer send(Request request, Address replica, long timeoutNanos) throws IOException {
        Http1ClientRequest call = client.method(Method.create(request.method()))
                .uri(target(replica, request))
                .readTimeout(Duration.ofNanos(timeoutNanos))
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
                    OutputStream upstream = attempt.guard(out);
                    attempt.readingClient(true);
                    body.writeTo(upstream);
                    attempt.readingClient(false);
                    upstream.close();
                });
            }
            Answer answer = answer(request, response);
            attempt.done();
            return answer;
        } catch (IOException | RuntimeException e) {
            if (response != null) response.close();
            if (e instanceof HttpError error) throw error;
            LOG.log(java.util.logging.Level.FINE, "attempt at " + replica + " failed", e);
            IOException failure = failure(e);
            if (attempt.done() && !(failure instanceof ClientStream.Gone)) {
                throw new HttpTimeoutException("no answer from the replica in time");
            }
            throw failure;
        } finally {
            deadline.cancel(false);
        }
    }

    /** The answer whose head has arrived: refused when malformed; a small body of known length read whole. */
    private static Answer answer(Request request, HttpClientResponse response) throws IOException {
        int status = response.status().code();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : response.headers()) {
            headers.computeIfAbsent(header.name(), name -> new ArrayList<>()).addAll(header.allValues());
        }
        var malformed = ReplicaAnswer.malformed(status, headers);
        if (malformed.isPresent()) throw new ProtocolException(malformed.get());
        List<String> lengths = headers.get("content-length");
        long length = lengths == null ? -1 : Long.parseLong(lengths.get(0)); // digits, checked by ReplicaAnswer
        if (request.method().equals("HEAD") || status == 204 || status == 304) {
            response.close(); // no body follows; Helidon drops the connection when it cannot tell
            return new Answer(status, headers, length, InputStream.nullInputStream());
        }
        boolean toTheEnd = length < 0 && !headers.containsKey("transfer-encoding");
        InputStream body = new Body(response, toTheEnd);
        if (length >= 0 && length <= HttpClientUpstream.READ_WHOLE) {
            // as HttpClientUpstream: a break-off is a failed attempt before the client sees a byte
            byte[] all = body.readNBytes((int) length);
            if (all.length < length) {
                throw new IOException("the replica closed the connection " + (length - all.length) + " bytes before the end of its answer");
            }
            body.close();
            return new Answer(status, headers, length, new ByteArrayInputStream(all));
        }
        return new Answer(status, headers, length, body);
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
            if (cause instanceof ConnectException) return cause;
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
    private static ClientUri target(Address replica, Request request) {
        URI base = URI.create(replica.url());
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        String path = basePath.isEmpty() ? request.rawPath() : basePath + request.rawPath();
        if (request.rawQuery() != null) path = path + '?' + request.rawQuery();
        // As the raw path: Helidon writes it as given, where a ClientUri made from a URI would
        // decode and re-encode the path and parse and rebuild the query.
        UriInfo info = UriInfo.builder()
                .scheme(base.getScheme())
                .host(base.getHost().startsWith("[") ? base.getHost().substring(1, base.getHost().length() - 1) : base.getHost())
                .port(base.getPort() >= 0 ? base.getPort() : base.getScheme().equals("https") ? 443 : 80)
                .path(UriPath.create(path))
                .build();
        return ClientUri.create(info);
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
     * A streamed answer's body. Helidon reports a cut-off body with unchecked exceptions: they
     * become IOExceptions (Proxy then drops the client's connection rather than pass a truncated
     * body off as whole), but for a body that runs to the end of the connection, whose end that is.
     */
    private static final class Body extends InputStream {
        private final HttpClientResponse response;
        private final InputStream in;
        private final boolean toTheEnd;

        Body(HttpClientResponse response, boolean toTheEnd) {
            this.response = response;
            this.in = response.inputStream();
            this.toTheEnd = toTheEnd;
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
                if (toTheEnd) return -1;
                throw new IOException("the replica closed the connection before the end of its answer");
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                throw new IOException("the replica's answer broke off: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            response.close(); // a body not read to its end closes the connection
        }
    }
}
