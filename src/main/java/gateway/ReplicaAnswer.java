package gateway;

import java.net.ProtocolException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Whether a replica's answer is sound enough to relay: a status in 100-599, one unambiguous
 * framing (RFC 9112 §6.3), and no header name or value holding CR, LF or NUL. HttpClient refuses
 * much of what is malformed itself (a ProtocolException) and lets the rest through: this is the
 * rest. Pure functions; thread-safe.
 */
final class ReplicaAnswer {

    /** Longer than this, a Content-Length could overflow a long; no real body is 10^18 bytes. */
    private static final int MAX_LENGTH_DIGITS = 18;

    private ReplicaAnswer() {}

    /** What is wrong with an answer of this status and these headers, if anything. */
    static Optional<String> malformed(int status, Map<String, List<String>> headers) {
        if (status < 100 || status > 599) return Optional.of("status " + status + " is not in 100-599");
        String length = null;
        String coding = null;
        for (var header : headers.entrySet()) {
            String name = header.getKey();
            if (splitsALine(name)) return Optional.of("a header name holds CR, LF or NUL");
            boolean isLength = name.equalsIgnoreCase("content-length");
            boolean isCoding = name.equalsIgnoreCase("transfer-encoding");
            for (String value : header.getValue()) {
                if (splitsALine(value)) return Optional.of("header " + name + " holds CR, LF or NUL");
                if (isLength) {
                    if (!digits(value)) return Optional.of("Content-Length '" + value + "' is not one number");
                    if (length != null && !length.equals(value)) {
                        return Optional.of("two Content-Lengths, " + length + " and " + value);
                    }
                    length = value;
                }
                if (isCoding) {
                    // HttpClient decodes "chunked" alone and reads anything else to the end of the
                    // connection, handing over the coded bytes as if they were the body.
                    if (coding != null || !value.strip().equalsIgnoreCase("chunked")) {
                        return Optional.of("Transfer-Encoding '" + value + "' is not 'chunked' alone");
                    }
                    coding = value;
                }
            }
        }
        // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, and such a message "ought to be
        // handled as an error"; HttpClient would frame it by the Content-Length instead.
        if (length != null && coding != null) return Optional.of("both Content-Length and Transfer-Encoding");
        return Optional.empty();
    }

    /** Whether {@code s} holds a character that ends a header line or the C string it may be copied into. */
    static boolean splitsALine(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') return true;
        }
        return false;
    }

    private static boolean digits(String value) {
        if (value.isEmpty() || value.length() > MAX_LENGTH_DIGITS) return false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /**
     * A body subscriber that takes nothing and fails with {@code reason}: the attempt ends in a
     * ProtocolException, and cancelling the subscription makes HttpClient close the connection
     * instead of pooling one whose next bytes are this answer's unread rest.
     */
    static <T> HttpResponse.BodySubscriber<T> refused(String reason) {
        CompletableFuture<T> failed = CompletableFuture.failedFuture(new ProtocolException(reason));
        return new HttpResponse.BodySubscriber<>() {
            @Override
            public CompletionStage<T> getBody() {
                return failed;
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.cancel();
            }

            @Override
            public void onNext(List<ByteBuffer> item) {}

            @Override
            public void onError(Throwable throwable) {}

            @Override
            public void onComplete() {}
        };
    }
}
