package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** GET /metrics over a real gateway: the format as promtool reads it, and counts that match the traffic sent. */
@Tag("contract") // run on every stack (benchmarks/variants)
class MetricsEndpointTest extends GatewayTest {

    /**
     * A request is counted once its answer is out, so the client may hold the last answer before it
     * is counted (read one short in two CI runs: countsMatchTheTrafficSent, requestsForUnknownServicesCreateNoLabels).
     * Not by scraping until the count shows: a scrape drops an evicted replica's series.
     */
    private Exposition scrape() throws Exception {
        Await.until(Duration.ofSeconds(10), "every answered request counted", () -> gateway.requestsInFlight() == 0);
        HttpResponse<String> r = client.get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        return Exposition.parse(r.body());
    }

    @Test
    void metricsAnswersInThePrometheusTextFormat() throws Exception {
        startGateway();
        HttpResponse<String> r = client.get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        Set<String> helped = new HashSet<>();
        Set<String> typed = new HashSet<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("# HELP ")) helped.add(line.split(" ")[2]);
            if (line.startsWith("# TYPE ")) typed.add(line.split(" ")[2]);
        }
        assertEquals(helped, typed);
        for (String family : List.of("gateway_requests_total", "gateway_upstream_attempts_total", "gateway_retries_total",
                "gateway_evictions_total", "gateway_registry_services", "gateway_registry_replicas", "gateway_request_duration_seconds",
                "gateway_store_up", "gateway_store_errors_total", "gateway_requests_in_flight", "gateway_retry_buffer_bytes",
                "jvm_memory_used_bytes", "jvm_threads_current")) {
            assertTrue(helped.contains(family), family + " has no # HELP and # TYPE in\n" + r.body());
        }
        Exposition e = Exposition.parse(r.body());
        assertEquals(1, e.value("gateway_store_up", Map.of()));
        assertTrue(e.value("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
        assertTrue(e.value("jvm_threads_current", Map.of()) > 0);
    }

    @Test
    void metricsIsReadOnly() throws Exception {
        startGateway();
        HttpResponse<String> r = client.send("POST", "/metrics", "x");
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
        assertEquals(200, client.send("HEAD", "/metrics", null).statusCode());
    }

    @Test
    void countsMatchTheTrafficSent() throws Exception {
        startGateway("--failure-threshold", "3");
        Backend good = closeLater(Backend.named("good"));
        Backend bad = closeLater(Backend.status(503));
        assertEquals(201, client.register("shop", good.address()).statusCode());
        assertEquals(201, client.register("shop", bad.address()).statusCode());
        // Round-robin alternates the first replica: 3 of the first 6 requests start on the bad one,
        // which fails (BAD_STATUS), is retried on the good one, and is evicted at its third failure.
        for (int i = 0; i < 7; i++) assertEquals(200, client.get("/shop/item").statusCode());
        assertEquals(404, client.get("/register/x").statusCode()); // a reserved name: no route
        assertEquals(503, client.get("/nosuch/x").statusCode());   // a valid name nobody registered

        Exposition e = scrape();
        String goodUrl = Address.parse(good.address()).url();
        String badUrl = Address.parse(bad.address()).url();
        assertEquals(7, e.value("gateway_upstream_attempts_total", Map.of("replica", goodUrl, "outcome", "success")));
        assertEquals(3, e.value("gateway_upstream_attempts_total", Map.of("replica", badUrl, "outcome", "bad_status")));
        assertEquals(0, e.value("gateway_upstream_attempts_total", Map.of("replica", badUrl, "outcome", "success")));
        assertEquals(7, e.value("gateway_requests_total", Map.of("service", "shop", "code", "2xx")));
        assertEquals(0, e.value("gateway_requests_total", Map.of("service", "shop", "code", "5xx")));
        assertEquals(3, e.value("gateway_retries_total", Map.of("service", "shop")));
        assertEquals(1, e.value("gateway_evictions_total", Map.of()));
        assertEquals(1, e.value("gateway_registry_services", Map.of()));
        assertEquals(1, e.value("gateway_registry_replicas", Map.of()));
        assertEquals(1, e.value("gateway_requests_total", Map.of("service", "", "code", "4xx")));
        assertEquals(1, e.value("gateway_requests_total", Map.of("service", "", "code", "5xx")));
        assertEquals(0, e.value("gateway_requests_total", Map.of("service", "", "code", "2xx")),
                "the gateway's own endpoints are not proxied requests");

        List<Exposition.Sample> buckets = e.named("gateway_request_duration_seconds_bucket").stream()
                .filter(s -> s.labels().get("service").equals("shop")).toList();
        assertEquals(Metrics.BUCKETS.length + 1, buckets.size());
        for (int i = 1; i < buckets.size(); i++) {
            assertTrue(buckets.get(i).value() >= buckets.get(i - 1).value(), "cumulative: " + buckets);
        }
        Exposition.Sample inf = buckets.getLast();
        assertEquals("+Inf", inf.labels().get("le"));
        assertEquals(7, inf.value());
        assertEquals(7, e.value("gateway_request_duration_seconds_count", Map.of("service", "shop")));
        assertTrue(e.value("gateway_request_duration_seconds_sum", Map.of("service", "shop")) > 0);
    }

    @Test
    void anEvictedReplicaIsWrittenOnceMoreThenDropped() throws Exception {
        startGateway("--failure-threshold", "1");
        String refusing = Backend.refusing();
        Backend good = closeLater(Backend.named("good"));
        client.register("shop", good.address());
        client.register("shop", refusing);
        for (int i = 0; i < 2; i++) assertEquals(200, client.get("/shop/").statusCode());
        String url = Address.parse(refusing).url();
        Map<String, String> refused = Map.of("replica", url, "outcome", "connect_failed");
        assertEquals(1, scrape().value("gateway_upstream_attempts_total", refused), "its last counts are still written");
        assertTrue(scrape().find("gateway_upstream_attempts_total", refused).isEmpty(), "then it is gone");
        assertEquals(2, scrape().value("gateway_upstream_attempts_total",
                Map.of("replica", Address.parse(good.address()).url(), "outcome", "success")), "a registered replica stays");
    }

    @Test
    void requestsForUnknownServicesCreateNoLabels() throws Exception {
        startGateway();
        Backend good = closeLater(Backend.named("good"));
        client.register("shop", good.address());
        assertEquals(200, client.get("/shop/x").statusCode());
        for (int i = 0; i < 50; i++) client.get("/svc" + i + "/x");
        Exposition e = scrape();
        Set<String> services = new HashSet<>();
        e.named("gateway_requests_total").forEach(s -> services.add(s.labels().get("service")));
        assertEquals(Set.of("", "shop"), services);
        assertEquals(50, e.value("gateway_requests_total", Map.of("service", "", "code", "5xx")));
    }

    @Test
    void storeErrorsAreCountedAndTheStoreReportedDown() throws Exception {
        CountingStore store = new CountingStore(new MemoryStore());
        gateway = closeLater(Gateway.start(Config.parse(List.of("--bind", "127.0.0.1", "--port", "0"), Map.of()), store));
        client = new Client(gateway.uri());
        store.down.set(true);
        assertEquals(503, client.register("shop", "http://127.0.0.1:9").statusCode());
        Exposition e = scrape();
        assertEquals(1, e.value("gateway_store_errors_total", Map.of()));
        assertEquals(0, e.value("gateway_store_up", Map.of()));
    }

    @Test
    void promtoolFindsNothingWrongWithTheOutput() throws Exception {
        String promtool = onPath("promtool");
        startGateway("--failure-threshold", "2");
        Backend good = closeLater(Backend.named("good"));
        client.register("shop", good.address());
        client.register("shop", Backend.refusing());
        client.register("cart", good.address());
        for (int i = 0; i < 6; i++) client.get("/shop/x");
        client.get("/cart/");
        client.get("/nosuch/");
        client.get("/bad%2F..%2Fpath/x");
        String body = client.get("/metrics").body();

        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals("", said.strip(), "promtool check metrics said this of\n" + body);
        assertEquals(0, p.exitValue(), body);
    }

    /** The binary's path; skips the test when it is missing, except in CI (CI=true), where that fails it. */
    private static String onPath(String binary) {
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(binary + " is not on the PATH: it is required in CI; .ci/run installs it (Debian package prometheus)");
        }
        Assumptions.abort(binary + " is not on the PATH; install it (Debian: apt-get install prometheus) to check the metrics format");
        throw new AssertionError("unreachable");
    }
}
