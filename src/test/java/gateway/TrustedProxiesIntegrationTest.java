package gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * X-Forwarded-* behind a TLS terminator: believed from the proxies named by --trusted-proxies,
 * replaced for everyone else. The replica echoes what it received.
 */
@Tag("contract") // run on every stack (benchmarks/variants)
class TrustedProxiesIntegrationTest {

    /** The upstream client this test's gateways use; a *SocketsTest subclass runs the same tests on the other. */
    String upstream() {
        return "httpclient";
    }

    Gateway gateway;
    Backend replica;

    void start(String... flags) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--upstream", upstream()));
        args.addAll(List.of(flags));
        gateway = Gateway.start(Config.parse(args, Map.of()));
        replica = Backend.named("one");
        new Client(gateway.uri()).register("svc", replica.address());
    }

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
        if (replica != null) replica.close();
    }

    /** What the replica received for a request carrying the headers a TLS terminator would add. */
    Map<String, String> forwardedAsSeenByTheReplica() throws Exception {
        Client client = new Client(gateway.uri());
        HttpRequest request = HttpRequest.newBuilder(gateway.uri().resolve("/svc/"))
                .header("X-Forwarded-For", "203.0.113.9, 198.51.100.2")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "api.example.com")
                .header("Forwarded", "for=203.0.113.9;proto=https;host=api.example.com")
                .header("X-Forwarded-Port", "443")
                .header("X-Real-IP", "203.0.113.9")
                .build();
        HttpResponse<String> response = client.http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        var headers = replica.seen.get(0).headers();
        return Map.of("for", String.join(" | ", headers.get("X-Forwarded-For")),
                "proto", String.join(" | ", headers.get("X-Forwarded-Proto")),
                "host", String.join(" | ", headers.get("X-Forwarded-Host")),
                "rfc7239", String.join(" | ", headers.getOrDefault("Forwarded", List.of())),
                "port and real ip", String.join(" | ", headers.getOrDefault("X-Forwarded-Port", List.of()))
                        + " | " + String.join(" | ", headers.getOrDefault("X-real-ip", List.of())));
    }

    @Test
    void behindATrustedTlsTerminatorProtoAndHostAreKeptAndForwardedForIsAppendedTo() throws Exception {
        start("--trusted-proxies", "10.0.0.0/8,127.0.0.0/8");
        assertEquals(Map.of("for", "203.0.113.9, 198.51.100.2, 127.0.0.1", "proto", "https", "host", "api.example.com",
                "rfc7239", "for=203.0.113.9;proto=https;host=api.example.com, for=127.0.0.1",
                "port and real ip", "443 | 203.0.113.9"),
                forwardedAsSeenByTheReplica());
    }

    @Test
    void anUntrustedClientCannotSpoofForwardedForProtoOrHostNorRfc7239ForwardedNorPortOrRealIp() throws Exception {
        start("--trusted-proxies", "10.0.0.0/8");
        assertEquals(Map.of("for", "127.0.0.1", "proto", "http", "host", gateway.uri().getAuthority(), "rfc7239", "",
                "port and real ip", " | "),
                forwardedAsSeenByTheReplica());
    }

    @Test
    void byDefaultNoPeerIsTrusted() throws Exception {
        start();
        assertEquals(Map.of("for", "127.0.0.1", "proto", "http", "host", gateway.uri().getAuthority(), "rfc7239", "",
                "port and real ip", " | "),
                forwardedAsSeenByTheReplica());
    }

    /**
     * CGI-style servers (WSGI, Rack, PHP-FPM) read X_Forwarded_For as X-Forwarded-For: a header
     * that names one the gateway sets or drops, underscores for dashes, is dropped as that one would
     * be (nginx drops every name with an underscore); other names with one pass (the client's
     * X_Forwarded_For, Transfer_Encoding and Proxy_Authorization reached the replica).
     */
    @Test
    void anUntrustedClientCannotSpoofThemWithUnderscoresForDashes() throws Exception {
        start("--trusted-proxies", "10.0.0.0/8");
        HttpRequest request = HttpRequest.newBuilder(gateway.uri().resolve("/svc/"))
                .header("X_Forwarded_For", "203.0.113.9")
                .header("X-Forwarded_Proto", "https")
                .header("x_forwarded_host", "evil.example")
                .header("Transfer_Encoding", "chunked")
                .header("Proxy_Authorization", "Basic eDp5")
                .header("Api_Key", "k1")
                .build();
        HttpResponse<String> response = new Client(gateway.uri()).http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        var headers = replica.seen.get(0).headers();
        List<String> underscored = headers.keySet().stream().filter(name -> name.contains("_")).sorted().toList();
        assertEquals(List.of("Api_key"), underscored, "only the header no CGI server reads as one the gateway governs");
        assertEquals(List.of("127.0.0.1"), headers.get("X-Forwarded-For"));
    }
}
