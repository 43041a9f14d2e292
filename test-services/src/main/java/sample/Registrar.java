package sample;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * This replica's membership at the gateway: {@code POST /register} until the gateway answers 2xx
 * (back-off 100 ms doubling up to the heartbeat interval), then again every heartbeat interval, so
 * that a replica the gateway lost (a wiped store, an eviction while briefly sick) comes back;
 * {@code DELETE /register} on {@link #close()}. Thread-safe.
 */
final class Registrar implements AutoCloseable {

    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final URI gateway;
    private final byte[] body;
    private final String address;
    private final Duration heartbeat;
    private final Optional<String> token;
    private final PrintStream log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread loop;
    /** The last answer's status, or 0 when the gateway could not be reached; for the log's transitions. */
    private int last = -1;

    Registrar(URI gateway, String service, URI address, Duration heartbeat, Optional<String> token, PrintStream log) {
        this.gateway = gateway;
        this.address = address.toString();
        this.heartbeat = heartbeat;
        this.token = token;
        this.log = log;
        try {
            Map<String, String> registration = new LinkedHashMap<>();
            registration.put("service", service);
            registration.put("address", this.address);
            this.body = SampleService.JSON.writeValueAsBytes(registration);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.loop = Thread.ofVirtual().name("registrar").unstarted(this::run);
    }

    Registrar start() {
        loop.start();
        return this;
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        Duration cap = heartbeat.compareTo(MAX_BACKOFF) < 0 ? heartbeat : MAX_BACKOFF;
        while (stop.getCount() > 0) {
            Duration wait;
            int status = call("POST");
            if (status >= 200 && status < 300) {
                // 201: the gateway did not have it (first start, or it dropped it meanwhile); 200: a
                // heartbeat, not logged; 202 (ejected, awaiting a probe): logged when it starts
                boolean news = status == 201 || last < 200 || last >= 300 || (status != 200 && status != last);
                if (news) {
                    log("registered " + address + " with " + gateway + " (" + status + ")");
                }
                wait = heartbeat;
                backoff = FIRST_BACKOFF;
            } else {
                log("registration with " + gateway + " failed (" + (status == 0 ? "unreachable" : "status " + status)
                        + "); again in " + backoff.toMillis() + " ms");
                wait = backoff;
                backoff = backoff.multipliedBy(2).compareTo(cap) > 0 ? cap : backoff.multipliedBy(2);
            }
            last = status;
            try {
                if (stop.await(wait.toNanos(), TimeUnit.NANOSECONDS)) return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the heartbeat, then deregisters (one try; 404, not registered, is as good). */
    @Override
    public void close() {
        stop.countDown();
        try {
            loop.join(CALL_TIMEOUT.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int status = call("DELETE");
        log(status == 200 || status == 404 ? "deregistered " + address + " from " + gateway + " (" + status + ")"
                : "deregistration from " + gateway + " failed (" + (status == 0 ? "unreachable" : "status " + status) + ")");
    }

    /** The status of one call to {@code /register}, or 0 when there was no answer. */
    private int call(String method) {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.resolve("/register")).timeout(CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private void log(String message) {
        log.println(Instant.now() + " " + message);
        log.flush();
    }
}
