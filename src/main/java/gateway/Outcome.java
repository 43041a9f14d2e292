package gateway;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Set;

/**
 * What one upstream attempt came to, classified once. The circuit breaker and the retry rule
 * read this value and nothing else.
 */
enum Outcome {
    /** The replica answered with a status that is the application's own (anything but 502/503/504). */
    SUCCESS(false, true),
    /** The connection was refused or the host unknown: the replica never saw the request. */
    CONNECT_FAILED(true, false),
    /** No connection within the connect timeout: the replica never saw the request. */
    CONNECT_TIMEOUT(true, false),
    /** The connection broke after it was made: the replica may have acted on the request. */
    IO_FAILED(true, true),
    /** No response headers before the deadline: the replica may have acted on the request. */
    TIMED_OUT(true, true),
    /** The replica answered 502, 503 or 504: it is up but cannot serve. */
    BAD_STATUS(true, true),
    /**
     * The replica's answer broke HTTP/1.1 (its status line, framing or headers; see
     * {@link ReplicaAnswer}) and was not relayed: the replica may have acted on the request.
     */
    BAD_RESPONSE(true, true);

    /** Methods that RFC 9110 §9.2.2 makes idempotent: repeating them is safe. */
    static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    final boolean failure;
    final boolean reachedReplica;

    Outcome(boolean failure, boolean reachedReplica) {
        this.failure = failure;
        this.reachedReplica = reachedReplica;
    }

    static Outcome of(int status) {
        return status == 502 || status == 503 || status == 504 ? BAD_STATUS : SUCCESS;
    }

    static Outcome of(IOException e) {
        // HttpClient sometimes wraps the telling exception in another: look at the cause too.
        Throwable cause = e.getCause();
        if (e instanceof ProtocolException || cause instanceof ProtocolException) return BAD_RESPONSE;
        if (e instanceof HttpConnectTimeoutException || cause instanceof HttpConnectTimeoutException) return CONNECT_TIMEOUT;
        if (e instanceof HttpTimeoutException) return TIMED_OUT;
        if (e instanceof ConnectException || cause instanceof ConnectException) return CONNECT_FAILED;
        if (cause instanceof UnresolvedAddressException) return CONNECT_FAILED;
        return IO_FAILED;
    }

    /**
     * Whether a request that failed this way may go to the next replica: idempotent methods always;
     * others (POST, PATCH) only when the replica never saw the request.
     */
    boolean retryable(String method) {
        return failure && (IDEMPOTENT.contains(method) || !reachedReplica);
    }
}
