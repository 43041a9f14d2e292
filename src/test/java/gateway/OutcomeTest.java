package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {

    @Test
    void statusesThatMeanTheReplicaCannotServeAreFailures() {
        for (int status = 100; status < 600; status++) {
            Outcome expected = status == 502 || status == 503 || status == 504 ? Outcome.BAD_STATUS : Outcome.SUCCESS;
            assertEquals(expected, Outcome.of(status), "status " + status);
        }
    }

    @Test
    void exceptionsAreClassifiedByWhetherTheReplicaSawTheRequest() {
        assertEquals(Outcome.CONNECT_FAILED, Outcome.of(new ConnectException("refused")));
        assertEquals(Outcome.CONNECT_FAILED, Outcome.of(new IOException("wrapped", new ConnectException("refused"))));
        assertEquals(Outcome.CONNECT_TIMEOUT, Outcome.of(new HttpConnectTimeoutException("connect timed out")));
        assertEquals(Outcome.CONNECT_TIMEOUT, Outcome.of(new ConnectException("x") {{ initCause(new HttpConnectTimeoutException("t")); }}));
        assertEquals(Outcome.TIMED_OUT, Outcome.of(new HttpTimeoutException("request timed out")));
        assertEquals(Outcome.IO_FAILED, Outcome.of(new IOException("connection reset")));
    }

    @Test
    void aProtocolExceptionIsAMalformedAnswer() {
        // HttpClient's own refusals (a bad header, a bad status line, headers too large) and ReplicaAnswer's
        assertEquals(Outcome.BAD_RESPONSE, Outcome.of(new ProtocolException("Invalid header value")));
        assertEquals(Outcome.BAD_RESPONSE, Outcome.of(new IOException("wrapped", new ProtocolException("x"))));
        assertEquals(true, Outcome.BAD_RESPONSE.failure);
        assertEquals(true, Outcome.BAD_RESPONSE.reachedReplica);
    }

    /** The retry rule, whole: method x outcome. */
    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(textBlock = """
            GET,     SUCCESS,         false
            GET,     CONNECT_FAILED,  true
            GET,     CONNECT_TIMEOUT, true
            GET,     IO_FAILED,       true
            GET,     TIMED_OUT,       true
            GET,     BAD_STATUS,      true
            GET,     BAD_RESPONSE,    true
            PUT,     BAD_RESPONSE,    true
            HEAD,    BAD_STATUS,      true
            OPTIONS, IO_FAILED,       true
            PUT,     TIMED_OUT,       true
            DELETE,  BAD_STATUS,      true
            TRACE,   IO_FAILED,       true
            POST,    SUCCESS,         false
            POST,    CONNECT_FAILED,  true
            POST,    CONNECT_TIMEOUT, true
            POST,    IO_FAILED,       false
            POST,    TIMED_OUT,       false
            POST,    BAD_STATUS,      false
            POST,    BAD_RESPONSE,    false
            PATCH,   BAD_RESPONSE,    false
            PATCH,   CONNECT_FAILED,  true
            PATCH,   BAD_STATUS,      false
            PATCH,   TIMED_OUT,       false
            """)
    void retriesOnlyWhatIsSafeToRepeat(String method, Outcome outcome, boolean retry) {
        assertEquals(retry, outcome.retryable(method));
    }

    @Test
    void anUnknownHostIsAConnectFailureTheReplicaNeverSaw() {
        // HttpClient reports an unresolvable host as an IOException caused by UnresolvedAddressException
        assertEquals(Outcome.CONNECT_FAILED, Outcome.of(new IOException("unresolved", new java.nio.channels.UnresolvedAddressException())));
        assertEquals(true, Outcome.CONNECT_FAILED.retryable("POST"));
    }
}
